package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tramontane.engine.EngineOptions;

/**
 * A repeated request finds its prompt in the prefix cache: usage says how many prompt tokens
 * (prompt_tokens_details.cached_tokens, streamed final usage too, on both endpoints), the answer is
 * unchanged, and /metrics' prefix-cache counters add up to what the usages said.
 */
class PrefixCacheServeTest {
    private static final int BS = 4;

    private static int cached(JsonNode usage) {
        return usage.get("prompt_tokens_details").get("cached_tokens").asInt();
    }

    @Test
    void aRepeatedRequestReportsItsCachedTokensAndTheMetricsAddUp() {
        try (TestServer s = TestServer.start(new EngineOptions(BS, 256, 8, 0).withPrefixCaching(true), null, 64)) {
            String completion = "{\"prompt\": \"The tramontane is a cold wind from the north that blows over the sea\","
                    + " \"max_tokens\": 5, \"temperature\": 0}";
            HttpResponse<String> first = s.post("/v1/completions", completion);
            assertEquals(200, first.statusCode(), first.body());
            JsonNode u1 = TestServer.json(first.body()).get("usage");
            int promptTokens = u1.get("prompt_tokens").asInt();
            assertEquals(0, cached(u1), "nothing is cached yet");
            JsonNode second = TestServer.json(s.post("/v1/completions", completion).body());
            int expected = (promptTokens - 1) / BS * BS;
            assertEquals(expected, cached(second.get("usage")), "every full block but the last token's");
            assertEquals(TestServer.json(first.body()).get("choices").get(0).get("text"), second.get("choices").get(0).get("text"));

            String chat = "{\"messages\": [{\"role\": \"user\", \"content\": \"Name three winds of the Mediterranean.\"}],"
                    + " \"max_tokens\": 4, \"temperature\": 0, \"stream\": true, \"stream_options\": {\"include_usage\": true}}";
            List<JsonNode> c1 = Http2ClientTest.events(s.post("/v1/chat/completions", chat).body());
            JsonNode cu1 = c1.get(c1.size() - 1).get("usage");
            assertEquals(0, cached(cu1));
            List<JsonNode> c2 = Http2ClientTest.events(s.post("/v1/chat/completions", chat).body());
            JsonNode cu2 = c2.get(c2.size() - 1).get("usage");
            int chatPrompt = cu2.get("prompt_tokens").asInt();
            assertEquals((chatPrompt - 1) / BS * BS, cached(cu2), "the streamed final usage counts them too");

            assertEquals(2.0 * promptTokens + 2.0 * chatPrompt, s.metric("vllm:prefix_cache_queries_total"));
            assertEquals((double) expected + cached(cu2), s.metric("vllm:prefix_cache_hits_total"));
        }
    }

    @Test
    void withoutPrefixCachingUsageSaysNothingIsCached() {
        try (TestServer s = TestServer.start(new EngineOptions(BS, 64, 8, 0), null, 8)) {
            String body = "{\"prompt\": [1, 415, 2936, 349, 264, 3042, 5934, 477, 272], \"max_tokens\": 2, \"temperature\": 0}";
            s.post("/v1/completions", body);
            assertEquals(0, cached(TestServer.json(s.post("/v1/completions", body).body()).get("usage")));
            assertEquals(0.0, s.metric("vllm:prefix_cache_queries_total"));
            assertEquals(0.0, s.metric("vllm:prefix_cache_hits_total"));
        }
    }
}
