package org.tramontane.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.engine.EngineLoop;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.testing.Fixtures;

/** tiny-mixtral behind a real server on 127.0.0.1 and a free port, with a JDK HttpClient to talk to it. */
final class TestServer implements AutoCloseable {
    static final String MODEL = "tiny";
    static final ObjectMapper JSON = new ObjectMapper();

    final LlmEngine engine;
    final EngineLoop loop;
    final OpenAiServer server;
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private TestServer(LlmEngine engine, EngineLoop loop, OpenAiServer server) {
        this.engine = engine;
        this.loop = loop;
        this.server = server;
    }

    static Path modelDir() {
        return Fixtures.dir("tiny-mixtral");
    }

    static LlmEngine open(EngineOptions options) {
        return open(options, BackendKind.CPU, 1);
    }

    /** The simulator computes in fp16, as the NPU does; the cpu backend in the checkpoint's fp32. */
    static LlmEngine open(EngineOptions options, BackendKind backend, int worldSize) {
        DType dtype = backend == BackendKind.CPU ? null : DType.F16;
        return LlmEngine.open(new ModelSource(modelDir(), ModelSource.LoadFormat.AUTO, dtype, backend, 0, worldSize), options);
    }

    static TestServer start(EngineOptions options, String apiKey, int maxQueue) {
        return start(open(options), apiKey, maxQueue);
    }

    /** Takes {@code engine} over: closed with the server, or at once when the server cannot start. */
    static TestServer start(LlmEngine engine, String apiKey, int maxQueue) {
        return start(engine, new ServeOptions("127.0.0.1", 0, MODEL, apiKey, maxQueue));
    }

    static TestServer start(LlmEngine engine, ServeOptions options) {
        EngineLoop loop = null;
        try {
            loop = engine.startLoop(options.maxQueue());
            OpenAiServer server = OpenAiServer.start(options);
            server.ready(new ServingContext(engine, loop, MODEL));
            return new TestServer(engine, loop, server);
        } catch (RuntimeException e) {
            if (loop != null) loop.close();
            engine.close();
            throw e;
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value of one sample line of /metrics (labels ignored), or NaN when absent. */
    double metric(String name) {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        server.close();
        loop.close();
        engine.close();
    }
}
