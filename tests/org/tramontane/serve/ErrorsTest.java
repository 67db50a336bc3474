package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.engine.EngineOptions;

/** Every refusal: status, OpenAI's error body, and the field it names. */
class ErrorsTest {
    private static final String KEY = "sesame";
    private static TestServer server;

    @BeforeAll
    static void start() {
        // 16 blocks of 4 = 64 positions per sequence at most; at most 2 sequences may wait
        server = TestServer.start(new EngineOptions(4, 16, 4, 0), KEY, 2);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static HttpResponse<String> post(String path, String body, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return server.send(b.build());
    }

    /** Asserts the status and the error body; returns its message. */
    private static String assertError(HttpResponse<String> r, int status, String type, String param) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode error = TestServer.json(r.body()).get("error");
        assertEquals(type, error.get("type").asText(), r.body());
        assertEquals(status, error.get("code").asInt());
        if (param == null) {
            assertTrue(error.get("param").isNull(), r.body());
        } else {
            assertEquals(param, error.get("param").asText(), r.body());
        }
        return error.get("message").asText();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "/v1/completions|{\"prompt\": [1, 2|-|invalid JSON",
        "/v1/completions||-|body is empty",
        "/v1/completions|[1, 2]|-|must be a JSON object",
        "/v1/completions|{\"prompt\": \"a\", \"max_tokens\": \"8\"}|max_tokens|must be an integer",
        "/v1/completions|{\"prompt\": \"a\", \"max_tokens\": 1.5}|max_tokens|must be an integer",
        "/v1/completions|{\"prompt\": \"a\", \"temperature\": \"hot\"}|temperature|must be a number",
        "/v1/completions|{\"prompt\": \"a\", \"stream\": 1}|stream|must be a boolean",
        "/v1/completions|{\"prompt\": {\"text\": \"a\"}}|prompt|must be a string, a list of strings",
        "/v1/completions|{\"prompt\": [1, \"a\"]}|prompt|must be a string, a list of strings",
        "/v1/completions|{\"prompt\": \"a\", \"stop\": [1]}|stop|must be a string or a list of strings",
        "/v1/completions|{\"prompt\": \"a\", \"tools\": []}|tools|unsupported field 'tools'",
        "/v1/completions|{\"prompt\": \"a\", \"suffix\": \"b\"}|suffix|unsupported field 'suffix'",
        "/v1/completions|{\"prompt\": \"a\", \"best_of\": 2}|best_of|unsupported field 'best_of'",
        "/v1/chat/completions|{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"response_format\": {\"type\": \"json_schema\"}}|response_format|unsupported field 'response_format'",
        "/v1/completions|{\"messages\": []}|messages|completions take 'prompt'",
        "/v1/completions|{\"prompt\": \"a\", \"max_completion_tokens\": 3}|max_completion_tokens|use 'max_tokens'",
        "/v1/chat/completions|{\"prompt\": \"a\"}|prompt|chat takes 'messages'",
        "/v1/chat/completions|{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"echo\": true}|echo|unsupported field 'echo'",
        "/v1/completions|{}|prompt|'prompt' is required",
        "/v1/completions|{\"prompt\": []}|prompt|'prompt' is required",
        "/v1/completions|{\"prompt\": [[]]}|prompt|the prompt is empty",
        "/v1/completions|{\"prompt\": [1, 32000]}|prompt|outside the vocabulary [0, 32000)",
        "/v1/completions|{\"prompt\": \"a\", \"max_tokens\": 0}|max_tokens|must be >= 1",
        "/v1/completions|{\"prompt\": \"a\", \"temperature\": -0.5}|temperature|must be >= 0",
        "/v1/completions|{\"prompt\": \"a\", \"top_p\": 0}|top_p|must be in (0, 1]",
        "/v1/completions|{\"prompt\": \"a\", \"top_p\": 1.5}|top_p|must be in [0.0, 1.0]",
        "/v1/completions|{\"prompt\": \"a\", \"top_k\": -2}|top_k|must be >= -1",
        "/v1/completions|{\"prompt\": \"a\", \"n\": 0}|n|must be >= 1",
        "/v1/completions|{\"prompt\": \"a\", \"logprobs\": 21}|logprobs|must be in [0, 20]",
        "/v1/completions|{\"prompt\": \"a\", \"logprobs\": true}|logprobs|must be an integer in a completion",
        "/v1/chat/completions|{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"logprobs\": 2}|logprobs|must be a boolean in a chat",
        "/v1/chat/completions|{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"top_logprobs\": 2}|top_logprobs|needs 'logprobs': true",
        "/v1/completions|{\"prompt\": \"a\", \"stop\": \"\"}|stop|must not be empty",
        "/v1/completions|{\"prompt\": \"a\", \"stop_token_ids\": [-1]}|stop_token_ids|outside the vocabulary",
        "/v1/completions|{\"prompt\": \"a\", \"stream_options\": {\"include_usage\": true}}|stream_options|only allowed with 'stream': true",
        "/v1/completions|{\"prompt\": \"a\", \"stream\": true, \"stream_options\": {\"continuous_usage_stats\": true}}|stream_options.continuous_usage_stats|unsupported field",
        "/v1/completions|{\"prompt\": \"a\", \"presence_penalty\": 3}|presence_penalty|must be in [-2.0, 2.0]",
        "/v1/completions|{\"prompt\": \"a\", \"max_tokens\": 70}|max_tokens|The KV cache holds 64 positions per sequence",
        "/v1/completions|{\"prompt\": [1, 2, 3], \"max_tokens\": 32766}|max_tokens|maximum context length is 32768 tokens. However, you requested 32769 tokens (3 in the prompt, 32766 in 'max_tokens')",
        "/v1/chat/completions|{\"messages\": []}|messages|must be a non-empty list",
        "/v1/chat/completions|{\"messages\": [{\"role\": \"user\"}]}|messages[0].content|is required",
        "/v1/chat/completions|{\"messages\": [{\"role\": \"tool\", \"content\": \"a\"}]}|messages[0].role|role 'tool'",
        "/v1/chat/completions|{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {}}]}]}|messages[0].content|not supported (text parts only)",
        "/v1/chat/completions|{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]}|messages|Conversation roles must alternate",
        "/v1/chat/completions|{\"messages\": [{\"role\": \"user\", \"content\": \"a\", \"name\": \"bob\"}]}|messages[0].name|is not supported yet",
        "/v1/chat/completions|{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"max_completion_tokens\": -1}|max_completion_tokens|must be >= 1",
        "/v1/completions|{\"prompt\": \"a\", \"repetition_penalty\": 0}|repetition_penalty|must be > 0",
        "/v1/completions|{\"prompt\": \"a\", \"min_p\": 1.5}|min_p|must be in [0.0, 1.0]",
        "/v1/completions|{\"prompt\": \"a\", \"logit_bias\": {\"x\": 1}}|logit_bias|keys must be token ids",
        "/v1/completions|{\"prompt\": \"a\", \"logit_bias\": {\"32000\": 1}}|logit_bias|outside the vocabulary",
        "/v1/completions|{\"prompt\": \"a\", \"logit_bias\": {\"5\": 101}}|logit_bias|must be in [-100.0, 100.0]",
        "/v1/completions|{\"prompt\": \"a\", \"logit_bias\": {\"5\": \"up\"}}|logit_bias.5|must be a number",
        "/detokenize|{\"tokens\": [99999]}|tokens|outside the vocabulary",
        "/tokenize|{}|-|give one of 'prompt' or 'messages'",
    })
    void badRequestsAre400sNamingTheField(String path, String body, String param, String message) {
        String m = assertError(post(path, body == null ? "" : body, KEY), 400, "invalid_request_error",
                param.equals("-") ? null : param);
        assertTrue(m.contains(message), m);
    }

    @Test
    void promptOverTheContextIs400NamingTheLimit() {
        // a text prompt longer than the pool's 64 positions: refused, never truncated
        String m = assertError(post("/v1/completions", "{\"prompt\": \"" + "word ".repeat(80) + "\", \"max_tokens\": 1}", KEY),
                400, "invalid_request_error", "max_tokens");
        assertTrue(m.contains("64 positions per sequence"), m);
    }

    @Test
    void anUnknownModelIs404() {
        String m = assertError(post("/v1/completions", "{\"model\": \"gpt-4\", \"prompt\": \"a\"}", KEY), 404, "not_found_error", "model");
        assertTrue(m.contains("gpt-4"), m);
    }

    @Test
    void withoutTheKeyEveryRouteButHealthIs401() {
        for (String path : new String[] {"/v1/models", "/models", "/metrics"}) {
            assertError(server.get(path), 401, "authentication_error", null);
        }
        assertError(post("/v1/completions", "{\"prompt\": \"a\"}", null), 401, "authentication_error", null);
        assertError(post("/v1/chat/completions", "{}", "wrong"), 401, "authentication_error", null);
        assertEquals(200, server.get("/health").statusCode());
        HttpResponse<String> ok = server.send(HttpRequest.newBuilder(server.uri("/v1/models")).header("Authorization", "Bearer " + KEY).build());
        assertEquals(200, ok.statusCode());
        assertEquals(TestServer.MODEL, TestServer.json(ok.body()).get("data").get(0).get("id").asText());
    }

    @Test
    void aFullQueueIs503AtOnce() {
        // three sequences cannot wait in a queue of two, whatever runs
        String m = assertError(post("/v1/completions", "{\"prompt\": \"a\", \"n\": 3, \"max_tokens\": 2}", KEY), 503,
                "service_unavailable", null);
        assertTrue(m.contains("--max-queue 2"), m);
        assertEquals(200, post("/v1/completions", "{\"prompt\": \"a\", \"n\": 2, \"max_tokens\": 2}", KEY).statusCode());
    }

    @Test
    void whileTheModelLoadsHealthAndEveryRouteAre503() {
        try (OpenAiServer loading = OpenAiServer.start(new ServeOptions("127.0.0.1", 0, "m", null, 4))) {
            String base = "http://127.0.0.1:" + loading.port();
            for (String path : new String[] {"/health", "/v1/models"}) {
                HttpResponse<String> r = server.send(HttpRequest.newBuilder(java.net.URI.create(base + path)).build());
                assertError(r, 503, "service_unavailable", null);
            }
        }
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405() {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/v1/nothing")).header("Authorization", "Bearer " + KEY);
        assertError(server.send(b.build()), 404, "not_found_error", null);
        HttpRequest get = HttpRequest.newBuilder(server.uri("/v1/completions")).header("Authorization", "Bearer " + KEY).build();
        assertError(server.send(get), 405, "invalid_request_error", null);
    }
}
