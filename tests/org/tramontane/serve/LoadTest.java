package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LoopStats;

/**
 * A bounded loopback load: 1000 streamed completions at concurrency 256 over HTTP/1.1 connections,
 * while 100 more clients close their socket after the first event. Every kept stream ends with
 * [DONE] after its 8 tokens; every dropped one is aborted; afterwards no block is missing.
 */
class LoadTest {
    private static final int NUM_STREAMS = 1000;
    private static final int CONCURRENCY = 256;
    private static final int NUM_DROPPED = 100;

    @Test
    void manyStreamsAndDisconnectsLeaveEveryBlockInThePool() throws Exception {
        try (TestServer s = TestServer.start(new EngineOptions(16, 2048, 256, 0), null, 1024)) {
            HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Semaphore slots = new Semaphore(CONCURRENCY);
            List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            ExecutorService droppers = Executors.newFixedThreadPool(10);
            List<Future<Boolean>> dropped = new ArrayList<>();
            for (int i = 0; i < NUM_STREAMS; i++) {
                slots.acquire();
                String body = "{\"prompt\": [1, " + (100 + i) + ", " + (200 + i % 37) + "], \"max_tokens\": 8, \"temperature\": 0,"
                        + " \"ignore_eos\": true, \"stream\": true}";
                HttpRequest req = HttpRequest.newBuilder(s.uri("/v1/completions")).timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                streams.add(http1.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> slots.release()));
                if (i % (NUM_STREAMS / NUM_DROPPED) == 0 && dropped.size() < NUM_DROPPED) {
                    dropped.add(droppers.submit(() -> dropAfterFirstEvent(s.server.port())));
                }
            }
            for (CompletableFuture<HttpResponse<String>> f : streams) {
                HttpResponse<String> r = f.get(120, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                var events = Http2ClientTest.events(r.body());
                assertEquals("length", events.get(events.size() - 1).get("choices").get(0).get("finish_reason").asText());
            }
            for (Future<Boolean> d : dropped) assertTrue(d.get(120, TimeUnit.SECONDS), "a dropping client saw its first event");
            droppers.shutdown();
            LoopStats stats = awaitIdle(s);
            assertEquals(0, stats.numRunning());
            assertEquals(0, stats.numWaiting());
            assertEquals(stats.numBlocks(), stats.numFreeBlocks(), "every block is back in the pool");
            assertEquals(0.0, s.metric("vllm:kv_cache_usage_perc"));
            String m = s.get("/metrics").body();
            assertTrue(m.contains("finished_reason=\"length\"} " + NUM_STREAMS + "\n"), m);
            assertTrue(m.contains("finished_reason=\"abort\"} " + NUM_DROPPED + "\n"), "each dropped client is aborted: " + m);
        }
    }

    /** Sends a long streamed request on a raw socket, reads until the first event, then closes. */
    private static boolean dropAfterFirstEvent(int port) throws IOException {
        String body = "{\"prompt\": [1, 300, 301], \"max_tokens\": 1000, \"temperature\": 0, \"ignore_eos\": true, \"stream\": true}";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            for (int b; (b = in.read()) >= 0; ) {
                seen.append((char) b);
                if (seen.indexOf("data: ") >= 0) return true;
            }
            return false;
        }
    }

    /** Waits (60 s at most) for the loop to run and queue nothing. */
    private static LoopStats awaitIdle(TestServer s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        LoopStats stats = s.loop.stats();
        while ((stats.numRunning() > 0 || stats.numWaiting() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            stats = s.loop.stats();
        }
        return stats;
    }
}
