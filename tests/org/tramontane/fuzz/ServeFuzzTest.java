package org.tramontane.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.tramontane.backend.BackendKind;
import org.tramontane.engine.EngineLoop;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.serve.OpenAiServer;
import org.tramontane.serve.ServeOptions;
import org.tramontane.serve.ServingContext;
import org.tramontane.testing.Fixtures;

/**
 * serve's request bodies, posted to a real server on 127.0.0.1 over tiny-mixtral. Whatever the body,
 * the answer is a 200 (the generation), a 4xx or 503 whose JSON error body says why, within a bound;
 * never a 500 (an exception that escaped the checks) and never a hang.
 */
class ServeFuzzTest {
    private static final String MODEL = "tiny";
    /** Generations stay short and the pool small, so a valid request costs milliseconds. */
    private static final EngineOptions OPTIONS = new EngineOptions(16, 64, 8, 128);
    private static final int MAX_QUEUE = 16;
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LlmEngine engine;
    private static EngineLoop loop;
    private static OpenAiServer server;
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        engine = LlmEngine.open(new ModelSource(Fixtures.dir("tiny-mixtral"), ModelSource.LoadFormat.AUTO, null,
                BackendKind.CPU, 0, 1), OPTIONS);
        loop = engine.startLoop(MAX_QUEUE);
        server = OpenAiServer.start(new ServeOptions("127.0.0.1", 0, MODEL, null, MAX_QUEUE));
        server.ready(new ServingContext(engine, loop, MODEL));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (loop != null) loop.close();
        if (engine != null) engine.close();
    }

    @FuzzTest(maxDuration = "30s")
    void chatCompletions(byte[] body) throws Exception {
        post("/v1/chat/completions", body);
    }

    @FuzzTest(maxDuration = "30s")
    void completions(byte[] body) throws Exception {
        post("/v1/completions", body);
    }

    private static void post(String route, byte[] body) throws IOException, InterruptedException {
        // the one connection a target makes is to its own server (the JDK client names it localhost); set per
        // input, as Jazzer's hooks load after @BeforeAll
        try (SilentCloseable loopback = BugDetectors.allowNetworkConnections(
                (host, port) -> host.equals("localhost") || host.equals("127.0.0.1"))) {
            check(route, body);
        }
    }

    private static void check(String route, byte[] body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + route))
                .timeout(ANSWER_WITHIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        int status = r.statusCode();
        if (status == 200) return;
        if (status < 400 || status >= 500 && status != 503) {
            throw new AssertionError("status " + status + " for a request body: " + r.body());
        }
        JsonNode error = JSON.readTree(r.body()).path("error");
        if (!error.path("message").isTextual() || error.path("message").asText().isBlank()) {
            throw new AssertionError("a " + status + " without an error message: " + r.body());
        }
    }
}
