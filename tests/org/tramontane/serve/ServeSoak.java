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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LoopStats;

/**
 * A bounded soak, outside the normal suite ({@code mvn -B -Psoak verify}; minutes from
 * {@code -Dtramontane.soak.minutes}, default 10): mixed traffic from 12 clients (streamed and whole
 * completions and chats, clients that drop mid-stream or mid-request, bodies malformed or over the
 * limit, tokenize) against tiny-mixtral. Every answer has the status its request earns; afterwards
 * nothing is queued or running, every KV block is free, and the resident set after the first
 * two minutes stays flat (the last sample within 10% + 64 MiB of the one after warm-up).
 */
class ServeSoak {
    private static final int CLIENTS = 12;

    @Test
    void mixedTrafficLeavesNoLeakAndFlatMemory() throws Exception {
        long minutes = Long.getLong("tramontane.soak.minutes", 10);
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
        long warmEnd = System.nanoTime() + TimeUnit.MINUTES.toNanos(Math.min(2, Math.max(1, minutes / 5)));
        try (TestServer s = TestServer.start(TestServer.open(new EngineOptions(16, 512, 8, 0, 64)),
                new ServeOptions("127.0.0.1", 0, TestServer.MODEL, null, 64, 64 * 1024, 5_000, ServeOptions.DEFAULT_HEARTBEAT_MS))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
            AtomicLong requests = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                SplittableRandom random = new SplittableRandom(c);
                clients.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        oneRequest(s, http, random);
                        requests.incrementAndGet();
                    }
                    return null;
                }));
            }
            long warmRss = -1;
            long lastRss = -1;
            while (System.nanoTime() < end) {
                Thread.sleep(10_000);
                lastRss = rss();
                if (warmRss < 0 && System.nanoTime() > warmEnd) warmRss = lastRss;
                System.out.printf("soak: %d requests, rss %d MiB%n", requests.get(), lastRss >> 20);
            }
            for (Future<?> f : clients) f.get(5, TimeUnit.MINUTES);
            pool.shutdown();
            LoopStats stats = s.loop.stats();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((stats.numRunning() > 0 || stats.numWaiting() > 0) && System.nanoTime() < deadline) {
                Thread.sleep(50);
                stats = s.loop.stats();
            }
            assertEquals(0, stats.numRunning());
            assertEquals(0, stats.numWaiting());
            assertEquals(stats.numBlocks(), stats.numFreeBlocks(), "every block is back in the pool");
            assertTrue(warmRss > 0, "sampled after warm-up");
            assertTrue(lastRss <= warmRss * 1.1 + (64L << 20), "resident set flat: " + (warmRss >> 20) + " MiB after warm-up, "
                    + (lastRss >> 20) + " MiB at the end, after " + requests.get() + " requests");
        }
    }

    /** One request of a random kind, checked for the status it must get. */
    private static void oneRequest(TestServer s, HttpClient http, SplittableRandom random) throws Exception {
        int kind = random.nextInt(8);
        int a = 100 + random.nextInt(20000);
        switch (kind) {
            case 0, 1 -> expect(200, s, http, "/v1/completions", "{\"prompt\": [1, " + a + ", " + (a + 1) + "], \"max_tokens\": "
                    + (1 + random.nextInt(32)) + ", \"temperature\": 0.8, \"seed\": " + a + ", \"stream\": " + (kind == 0) + "}");
            case 2 -> expect(200, s, http, "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hello " + a
                    + "\"}], \"max_tokens\": 8, \"stream\": true}");
            case 3 -> expect(400, s, http, "/v1/completions", "{\"prompt\": [1, " + a);
            case 4 -> expect(413, s, http, "/v1/completions", "{\"prompt\": \"" + "x".repeat(70 * 1024) + "\"}");
            case 5 -> expect(200, s, http, "/v1/tokenize", "{\"prompt\": \"hello " + a + "\"}");
            default -> dropMidway(s.server.port(), random, a);
        }
    }

    private static void expect(int status, TestServer s, HttpClient http, String path, String body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(s.uri(path))
                .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), path + ": " + r.body());
    }

    /** A streamed request whose client leaves inside the body, after the headers, or after the first event. */
    private static void dropMidway(int port, SplittableRandom random, int a) throws IOException {
        String body = "{\"prompt\": [1, " + a + "], \"max_tokens\": 200, \"ignore_eos\": true, \"stream\": true}";
        String req = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            int where = random.nextInt(3);
            out.write(req.substring(0, where == 0 ? req.length() - 5 : req.length()).getBytes(StandardCharsets.UTF_8));
            out.flush();
            if (where == 2) {
                InputStream in = socket.getInputStream();
                StringBuilder seen = new StringBuilder();
                for (int b; (b = in.read()) >= 0 && seen.indexOf("data: ") < 0; ) seen.append((char) b);
            }
        }
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.trim().split("\\s+")[1]) * 1024;
        }
        return -1;
    }
}
