package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LoopStats;

/**
 * The server under hostile clients: bodies over the limit, clients that stall sending or never
 * finish, a thousand connections dropped at every point, requests cancelled while queued,
 * prefilling or decoding. After each test the loop runs and queues nothing, every KV block is back
 * in the pool and /metrics agrees.
 */
class ServerFaultsTest {
    private static final long MAX_BODY = 64 * 1024;
    private static final long IDLE_MS = 1000;
    /** Heartbeats ten times as often as served: a vanished client is seen within a few tenths of a second. */
    private static final long HEARTBEAT_MS = 100;
    private static TestServer server;

    @BeforeAll
    static void start() {
        // one sequence at a time, 4 tokens a step: a second request queues, a long prompt prefills for many steps
        server = TestServer.start(TestServer.open(new EngineOptions(16, 128, 1, 0, 4)),
                new ServeOptions("127.0.0.1", 0, TestServer.MODEL, null, 16, MAX_BODY, IDLE_MS, HEARTBEAT_MS));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        // requests of clients already gone may still be on their way in (Jetty parses them after the test's
        // sockets closed): a refused probe is retried until they have drained; a leaked queue slot never drains
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int status;
        while ((status = server.post("/v1/completions", "{\"prompt\": [1, 5], \"max_tokens\": 2}").statusCode()) == 503
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(200, status, "the server answers once the dead clients' requests have drained");
        LoopStats stats = awaitIdle();
        assertEquals(0, stats.numRunning(), "no stuck request");
        assertEquals(0, stats.numWaiting(), "no stuck request");
        assertEquals(stats.numBlocks(), stats.numFreeBlocks(), "every block is back in the pool");
        String m = server.get("/metrics").body();
        assertEquals(0.0, metric(m, "vllm:num_requests_running"));
        assertEquals(0.0, metric(m, "vllm:num_requests_waiting"));
        assertEquals(0.0, metric(m, "vllm:kv_cache_usage_perc"));
        assertEquals(sum(m, "vllm:request_success_total{"), metric(m, "vllm:e2e_request_latency_seconds_count"),
                "every finished request is counted once: " + m);
    }

    @Test
    void aDeclaredBodyOverTheLimitIs413BeforeItIsRead() throws IOException {
        try (Socket s = socket()) {
            send(s, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"
                    + "{\"prompt\": \"");
            String answer = readAll(s);
            assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
            JsonNode error = TestServer.json(answer.substring(answer.indexOf("\r\n\r\n") + 4)).get("error");
            assertEquals(413, error.get("code").asInt());
            assertTrue(error.get("message").asText().contains("100000000 bytes") && error.get("message").asText()
                    .contains("--max-request-bytes"), answer);
        }
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() throws IOException {
        try (Socket s = socket()) {
            send(s, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = "x".repeat(8192);
            for (long sent = 0; sent <= MAX_BODY; sent += chunk.length()) {
                send(s, Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
            }
            send(s, "0\r\n\r\n");
            String answer = readAll(s);
            assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
            assertTrue(answer.contains("over the limit of " + MAX_BODY + " bytes"), answer);
        }
    }

    @Test
    void aClientStillSendingItsBodyReadsIts413() {
        // no Expect: 100-continue: the client writes the whole body before it reads; the server reads it on and drops it
        var r = server.post("/v1/completions", "{\"prompt\": \"" + "x".repeat((int) MAX_BODY * 2) + "\"}");
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(r.body().contains("--max-request-bytes"), r.body());
    }

    @Test
    void malformedBodiesAre400sNot500s() {
        for (String body : List.of("[".repeat(10_000), "null", "{\"prompt\": \"a\", \"max_tokens\": 1e400}", "{\"prompt\": \"\\ud800\"}x",
                "{\"prompt\": [1, 99999999999]}")) {
            var r = server.post("/v1/completions", body);
            assertEquals(400, r.statusCode(), body.substring(0, Math.min(40, body.length())) + ": " + r.body());
        }
    }

    @Test
    void clientsThatStallSendingDoNotStallOthersAndAreDropped() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                Socket s = socket();
                // half a request line, or all the headers and a tenth of the body they announce
                send(s, i % 2 == 0 ? "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Le"
                        : "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"prompt\": ");
                slow.add(s);
            }
            long t0 = System.nanoTime();
            assertEquals(200, server.post("/v1/completions", "{\"prompt\": [1, 7], \"max_tokens\": 4}").statusCode());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "served beside the stalled clients");
            for (int i = 0; i < slow.size(); i++) {
                String answer = readAll(slow.get(i));
                // a stalled body gets 408; a stalled request line is closed (there is no request to answer)
                if (i % 2 == 1) assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            }
        } finally {
            for (Socket s : slow) s.close();
        }
    }

    @Test
    void aThousandConnectionsDroppedAtEveryPoint() throws Exception {
        String body = "{\"prompt\": [1, 300, 301], \"max_tokens\": 50, \"ignore_eos\": true, \"stream\": true}";
        String full = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
        for (int i = 0; i < 1000; i++) {
            try (Socket s = socket()) {
                switch (i % 4) {
                    case 0 -> { } // opened and closed
                    case 1 -> send(s, full.substring(0, 30)); // inside the request line
                    case 2 -> send(s, full.substring(0, full.length() - 10)); // inside the body
                    default -> send(s, full); // a whole streamed request, then gone
                }
            }
        }
    }

    @Test
    void aRequestCancelledWhileQueuedLeavesTheQueueWithoutRunning() throws Exception {
        try (Socket running = socket(); Socket queued = socket()) {
            send(running, completion("[1, 300, 301]", 2000));
            awaitStats(st -> st.numRunning() == 1, 15);
            double aborted = aborted(server.get("/metrics").body());
            send(queued, completion("[1, 400, 401]", 4));
            awaitStats(st -> st.numWaiting() == 1, 15);
            queued.close();
            // seen by its heartbeat failing (an HTTP/1.1 close shows only to a write), not when it would have run
            awaitStats(st -> st.numWaiting() == 0, 2);
            String m = server.get("/metrics").body();
            assertEquals(aborted + 1, aborted(m), m);
            assertEquals(1, server.loop.stats().numRunning(), "the first request still runs");
        }
    }

    @Test
    void aRequestCancelledWhilePrefillingStopsLongBeforeItsEnd() throws Exception {
        // 1800 tokens at 4 a step: 450 steps of prefill, against heartbeats every 100 ms; on a fast machine the
        // close may show only after the first tokens, so the bound is the request's own length, not zero
        String prompt = IntStream.range(0, 1800).mapToObj(i -> Integer.toString(100 + i)).collect(Collectors.joining(", ", "[1, ", "]"));
        double generated = metric(server.get("/metrics").body(), "vllm:generation_tokens_total");
        try (Socket s = socket()) {
            send(s, completion(prompt, 200));
            awaitStats(st -> st.numRunning() == 1, 15);
        }
        awaitStats(st -> st.numRunning() == 0, 15);
        double made = metric(server.get("/metrics").body(), "vllm:generation_tokens_total") - generated;
        assertTrue(made < 200, "aborted long before its 200 tokens: " + made);
    }

    private static String completion(String promptIds, int maxTokens) {
        String body = "{\"prompt\": " + promptIds + ", \"max_tokens\": " + maxTokens + ", \"ignore_eos\": true, \"stream\": true}";
        return "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private static Socket socket() throws IOException {
        Socket s = new Socket("127.0.0.1", server.server.port());
        s.setSoTimeout(15_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Everything until the server closes (or 15 s pass). */
    private static String readAll(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) got.write(buf, 0, n);
        } catch (SocketTimeoutException | java.net.SocketException stopped) {
            // what came before the timeout or the reset is the answer
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    private static void awaitStats(Predicate<LoopStats> done, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.test(server.loop.stats())) {
            assertTrue(System.nanoTime() < deadline, "loop state " + server.loop.stats());
            Thread.sleep(5);
        }
    }

    /** The loop's state once it has run and queued nothing for half a second (30 s at most). */
    private static LoopStats awaitIdle() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long idleSince = System.nanoTime();
        LoopStats stats = server.loop.stats();
        while (System.nanoTime() < deadline) {
            if (stats.numRunning() > 0 || stats.numWaiting() > 0) idleSince = System.nanoTime();
            else if (System.nanoTime() - idleSince > TimeUnit.MILLISECONDS.toNanos(500)) break;
            Thread.sleep(20);
            stats = server.loop.stats();
        }
        return stats;
    }

    private static double metric(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return Double.NaN;
    }

    private static double aborted(String metrics) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith("vllm:request_success_total{") && line.contains("finished_reason=\"abort\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    private static double sum(String metrics, String prefix) {
        double s = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith(prefix)) s += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return s;
    }
}
