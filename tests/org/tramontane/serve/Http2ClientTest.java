package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.SamplingParams;
import org.tramontane.engine.TokenListener;

/**
 * The JDK's HttpClient with its defaults (HTTP/2: a first GET upgrades the connection to h2c) runs a
 * chat, a streamed chat and a completion; and what the API promises of streams,
 * stop strings, n, echo, logprobs and the metrics.
 */
class Http2ClientTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(new EngineOptions(16, 64, 8, 0), null, 64);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** A fresh default client: its first request carries the upgrade. */
    private static HttpResponse<String> post(HttpClient client, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON of each {@code data:} event before {@code [DONE]}, which must end the stream. */
    static List<JsonNode> events(String sse) {
        List<JsonNode> out = new ArrayList<>();
        // heartbeats (SSE comments) while a stream waits are skipped, as every SSE client does
        String[] blocks = java.util.Arrays.stream(sse.split("\n\n")).filter(b -> !b.startsWith(":")).toArray(String[]::new);
        assertEquals("data: [DONE]", blocks[blocks.length - 1], "the stream ends with [DONE]");
        for (int i = 0; i < blocks.length - 1; i++) {
            assertTrue(blocks[i].startsWith("data: "), blocks[i]);
            out.add(TestServer.json(blocks[i].substring(6)));
        }
        return out;
    }

    @Test
    void theJdkClientChatsStreamsAndCompletesOverHttp2() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> models = client.send(HttpRequest.newBuilder(server.uri("/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, models.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, models.version(), "a GET upgrades to h2c");
        String chat = "{\"model\": \"tiny\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                + " {\"role\": \"user\", \"content\": \"Hello!\"}], \"max_tokens\": 6, \"temperature\": 0}";
        HttpResponse<String> r = post(client, "/v1/chat/completions", chat);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(HttpClient.Version.HTTP_2, r.version());
        JsonNode answer = TestServer.json(r.body());
        assertEquals("chat.completion", answer.get("object").asText());
        JsonNode choice = answer.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals("length", choice.get("finish_reason").asText());
        // the system message is folded into the first user turn of Mixtral's template
        int[] prompt = server.engine.tokenizer().encode("<s>[INST] Be brief.\n\nHello! [/INST]", false);
        assertEquals(prompt.length, answer.get("usage").get("prompt_tokens").asInt());
        assertEquals(6, answer.get("usage").get("completion_tokens").asInt());
        assertEquals(prompt.length + 6, answer.get("usage").get("total_tokens").asInt());

        String streamed = chat.substring(0, chat.length() - 1) + ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}";
        HttpResponse<String> s = post(client, "/chat/completions", streamed);
        assertEquals(200, s.statusCode(), s.body());
        assertEquals(HttpClient.Version.HTTP_2, s.version());
        assertTrue(s.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> chunks = events(s.body());
        assertEquals("assistant", chunks.get(0).get("choices").get(0).get("delta").get("role").asText());
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            assertEquals("chat.completion.chunk", c.get("object").asText());
            JsonNode delta = c.get("choices").get(0).get("delta");
            if (delta.has("content")) text.append(delta.get("content").asText());
        }
        assertEquals("length", chunks.get(chunks.size() - 2).get("choices").get(0).get("finish_reason").asText());
        assertEquals(choice.get("message").get("content").asText(), text.toString(), "streamed text equals the answer's");
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertEquals(0, usage.get("choices").size());
        assertEquals(6, usage.get("usage").get("completion_tokens").asInt());

        HttpResponse<String> c = post(client, "/v1/completions", "{\"prompt\": \"The sea\", \"max_tokens\": 5, \"temperature\": 0}");
        assertEquals(200, c.statusCode(), c.body());
        assertEquals("text_completion", TestServer.json(c.body()).get("object").asText());
        assertEquals(5, TestServer.json(c.body()).get("usage").get("completion_tokens").asInt());
    }

    @Test
    void anUpgradeRequestWithABodyIsServedWholeOverHttp11() throws Exception {
        // Jetty declines an h2c upgrade that carries content and serves it on HTTP/1.1; the JDK client stays there
        // for this server, and every body arrives (vLLM's server drops such bodies)
        HttpClient client = HttpClient.newHttpClient();
        String body = "{\"prompt\": [1, 415], \"max_tokens\": 3, \"temperature\": 0, \"ignore_eos\": true}";
        HttpResponse<String> first = post(client, "/v1/completions", body);
        assertEquals(200, first.statusCode(), first.body());
        assertEquals(3, TestServer.json(first.body()).get("usage").get("completion_tokens").asInt(), "the body arrived whole");
        HttpResponse<String> second = post(client, "/v1/completions", body);
        assertEquals(200, second.statusCode(), second.body());
        assertEquals(HttpClient.Version.HTTP_1_1, first.version());
        assertEquals(3, TestServer.json(second.body()).get("usage").get("completion_tokens").asInt());
    }

    private static String greedyText(String promptIds, int maxTokens) throws Exception {
        HttpResponse<String> r = server.post("/v1/completions", "{\"prompt\": " + promptIds + ", \"max_tokens\": " + maxTokens
                + ", \"temperature\": 0, \"ignore_eos\": true}");
        assertEquals(200, r.statusCode(), r.body());
        return TestServer.json(r.body()).get("choices").get(0).get("text").asText();
    }

    @Test
    void aStopStringAcrossTokensEndsTheTextBeforeIt() throws Exception {
        String full = greedyText("[1, 415, 2936]", 12);
        assertTrue(full.length() > 8, full);
        // a stop string that starts inside one token and ends inside a later one
        String stop = full.substring(3, 8);
        String body = "{\"prompt\": [1, 415, 2936], \"max_tokens\": 12, \"temperature\": 0, \"ignore_eos\": true, \"stop\": "
                + TestServer.JSON.writeValueAsString(stop);
        JsonNode r = TestServer.json(server.post("/v1/completions", body + "}").body());
        assertEquals(full.substring(0, 3), r.get("choices").get(0).get("text").asText());
        assertEquals("stop", r.get("choices").get(0).get("finish_reason").asText());
        List<JsonNode> chunks = events(server.post("/v1/completions", body + ", \"stream\": true}").body());
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) text.append(c.get("choices").get(0).get("text").asText());
        assertEquals(full.substring(0, 3), text.toString(), "no part of the stop string is streamed");
        assertEquals("stop", chunks.get(chunks.size() - 1).get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void aStopTokenIdEndsTheSequenceAndCountsAsStop() throws Exception {
        int[] prompt = {1, 415, 2936};
        int[] greedy;
        try (var engine = TestServer.open(new EngineOptions(16, 0, 1, 0))) {
            greedy = engine.generate(List.of(new GenerationRequest(prompt, 6, true, SamplingParams.greedy())),
                    TokenListener.NONE).get(0).outputIds();
        }
        JsonNode r = TestServer.json(server.post("/v1/completions", "{\"prompt\": [1, 415, 2936], \"max_tokens\": 6,"
                + " \"temperature\": 0, \"ignore_eos\": true, \"stop_token_ids\": [" + greedy[2] + "]}").body());
        assertEquals("stop", r.get("choices").get(0).get("finish_reason").asText());
        assertEquals(3, r.get("usage").get("completion_tokens").asInt(), "the stop token is the last one generated");
        assertEquals(server.engine.tokenizer().decode(new int[] {greedy[0], greedy[1]}, true),
                r.get("choices").get(0).get("text").asText(), "and its text is not output");
    }

    @Test
    void nSamplesAreSeededAndEchoRepeatsThePrompt() throws Exception {
        String body = "{\"prompt\": \"Once upon\", \"max_tokens\": 4, \"n\": 2, \"seed\": 7, \"temperature\": 1.0, \"echo\": true}";
        JsonNode a = TestServer.json(server.post("/v1/completions", body).body());
        JsonNode b = TestServer.json(server.post("/v1/completions", body).body());
        assertEquals(2, a.get("choices").size());
        for (int i = 0; i < 2; i++) {
            assertEquals(i, a.get("choices").get(i).get("index").asInt());
            assertTrue(a.get("choices").get(i).get("text").asText().startsWith("Once upon"));
            assertEquals(a.get("choices").get(i).get("text"), b.get("choices").get(i).get("text"), "the same seed, the same samples");
        }
        assertEquals(8, a.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void logprobsAreLogSoftmaxesWithTheChosenTokenOnTopWhenGreedy() throws Exception {
        JsonNode r = TestServer.json(server.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"max_tokens\": 3, \"temperature\": 0, \"logprobs\": true, \"top_logprobs\": 3}").body());
        JsonNode content = r.get("choices").get(0).get("logprobs").get("content");
        assertEquals(3, content.size());
        for (JsonNode t : content) {
            JsonNode top = t.get("top_logprobs");
            assertEquals(3, top.size());
            assertEquals(t.get("token").asText(), top.get(0).get("token").asText(), "greedy picks the most likely");
            assertEquals(t.get("logprob").asDouble(), top.get(0).get("logprob").asDouble(), 1e-6);
            assertTrue(top.get(0).get("logprob").asDouble() >= top.get(1).get("logprob").asDouble());
            assertTrue(t.get("logprob").asDouble() < 0);
        }
    }

    @Test
    void logitBiasAndMinPShapeWhatIsSampled() throws Exception {
        JsonNode forced = TestServer.json(server.post("/v1/completions", "{\"prompt\": [1, 415], \"max_tokens\": 4,"
                + " \"temperature\": 1.0, \"seed\": 3, \"ignore_eos\": true, \"logit_bias\": {\"1014\": 100}}").body());
        String piece = server.engine.tokenizer().decode(new int[] {1014, 1014, 1014, 1014}, true);
        assertEquals(piece, forced.get("choices").get(0).get("text").asText(), "a bias of 100 makes token 1014 certain");
        // min_p = 1 keeps only the most likely token: sampling at any temperature is greedy
        String greedy = greedyText("[1, 415]", 6);
        JsonNode minP = TestServer.json(server.post("/v1/completions", "{\"prompt\": [1, 415], \"max_tokens\": 6,"
                + " \"temperature\": 1.5, \"seed\": 3, \"ignore_eos\": true, \"min_p\": 1}").body());
        assertEquals(greedy, minP.get("choices").get(0).get("text").asText());
    }

    @Test
    void tokenizeAndDetokenizeRoundTrip() throws Exception {
        JsonNode t = TestServer.json(server.post("/tokenize", "{\"prompt\": \"Hello world\"}").body());
        int[] expected = server.engine.tokenizer().encode("Hello world", true);
        assertEquals(expected.length, t.get("count").asInt());
        assertEquals(32768, t.get("max_model_len").asInt());
        JsonNode d = TestServer.json(server.post("/detokenize", "{\"tokens\": " + t.get("tokens") + "}").body());
        assertEquals("Hello world", d.get("prompt").asText());
    }

    @Test
    void metricsUseVllmNamesWithTheModelLabel() throws Exception {
        server.post("/v1/completions", "{\"prompt\": \"a\", \"max_tokens\": 2, \"temperature\": 0, \"ignore_eos\": true}");
        String m = server.get("/metrics").body();
        for (String name : new String[] {"vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
            "vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:num_preemptions_total",
            "vllm:time_to_first_token_seconds_bucket", "vllm:inter_token_latency_seconds_count",
            "vllm:e2e_request_latency_seconds_sum", "vllm:request_queue_time_seconds_count"}) {
            assertTrue(m.contains("\n" + name + "{model_name=\"tiny\""), name);
        }
        assertTrue(m.contains("vllm:request_success_total{model_name=\"tiny\",finished_reason=\"length\"}"), m);
        assertTrue(server.metric("vllm:generation_tokens_total") >= 2);
    }
}
