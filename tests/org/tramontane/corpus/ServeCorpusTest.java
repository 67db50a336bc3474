package org.tramontane.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.engine.EngineLoop;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.serve.OpenAiServer;
import org.tramontane.serve.ServeOptions;
import org.tramontane.serve.ServingContext;
import org.tramontane.testing.Fixtures;

/** Request bodies serve refuses with a 400 and OpenAI's error body, as a client sees them. */
class ServeCorpusTest {
    private static LlmEngine engine;
    private static EngineLoop loop;
    private static OpenAiServer server;

    @BeforeAll
    static void start() {
        engine = LlmEngine.open(new ModelSource(Fixtures.dir("tiny-mixtral"), ModelSource.LoadFormat.AUTO, null,
                BackendKind.CPU, 0, 1), new EngineOptions(16, 32, 4, 64));
        loop = engine.startLoop(8);
        server = OpenAiServer.start(new ServeOptions("127.0.0.1", 0, "tiny", null, 8));
        server.ready(new ServingContext(engine, loop, "tiny"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (loop != null) loop.close();
        if (engine != null) engine.close();
    }

    static Stream<Arguments> notUtf8() {
        return Stream.of(
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"thr?e\"}], \"max_tokens\": 2}"),
                Arguments.of("/v1/completions", "{\"prompt\": \"thr?e\", \"max_tokens\": 2}"),
                Arguments.of("/tokenize", "{\"prompt\": \"thr?e\"}"),
                // broken JSON as well: the UTF-8 error comes first, and it once left the handler waiting forever
                Arguments.of("/v1/completions", "{\"prompt\": \"thr?e\", \"temperature\"8 0}"));
    }

    /** 0xa6 (a UTF-8 continuation byte) for the '?' inside a string: once a 500 from Jetty's decoder, now a 400 saying so. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("notUtf8")
    void refusesBodiesThatAreNotUtf8(String route, String json) throws Exception {
        byte[] body = json.getBytes(StandardCharsets.US_ASCII);
        body[json.indexOf('?')] = (byte) 0xa6;
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + route)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = new ObjectMapper().readTree(r.body()).path("error");
        assertEquals("invalid_request_error", error.path("type").asText(), r.body());
        assertTrue(error.path("message").asText().contains("UTF-8"), r.body());
    }
}
