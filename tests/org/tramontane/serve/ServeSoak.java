package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LoopStats;

/**
 * A bounded soak, outside the normal suite ({@code mvn -B -Psoak test}; minutes from
 * {@code -Dtramontane.soak.minutes}, default 10): mixed traffic from 12 clients (streamed and whole
 * completions and chats, clients that drop mid-stream or mid-request, bodies malformed or over the
 * limit, tokenize) against tiny-mixtral. Every answer has the status its request earns; afterwards
 * nothing is queued or running and every KV block is free. Memory after the warm-up (the first fifth,
 * one to two minutes) stays flat, measured two ways: the resident set outside the JIT's code cache
 * ({@link #codeCacheBytes}), sampled every 10 s, rises by at most {@link #RSS_SLOPE_MIB_PER_MIN} (the
 * median of the slopes between every two samples, so a few samples caught mid-burst do not move it);
 * and the live heap after a full GC, taken every minute, grows by at most
 * {@link #LIVE_HEAP_GROWTH_MIB} from its first value to its last. The profile runs the JVM with its
 * heap fixed and touched up front and native memory tracking on (pom.xml), so a heap that is still
 * filling its regions is not taken for a leak.
 */
class ServeSoak {
    private static final int CLIENTS = 12;
    private static final double MIB = 1 << 20;
    /** The resident set's bound after warm-up: 10 minutes at it stay within 5 MiB of where they began. */
    static final double RSS_SLOPE_MIB_PER_MIN = 0.5;
    /** Reachable heap after full GCs, first to last: the engine's and server's caches are full by then. */
    static final double LIVE_HEAP_GROWTH_MIB = 4;

    @Test
    void mixedTrafficLeavesNoLeakAndFlatMemory() throws Exception {
        long minutes = Long.getLong("tramontane.soak.minutes", 10);
        try (TestServer s = TestServer.start(TestServer.open(new EngineOptions(16, 512, 8, 0, 64)),
                new ServeOptions("127.0.0.1", 0, TestServer.MODEL, null, 64, 64 * 1024, 5_000, ServeOptions.DEFAULT_HEARTBEAT_MS))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
            AtomicLong requests = new AtomicLong();
            long start = System.nanoTime();
            long end = start + TimeUnit.MINUTES.toNanos(minutes);
            long warmEnd = start + TimeUnit.MINUTES.toNanos(Math.min(2, Math.max(1, minutes / 5)));
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
            List<double[]> rssSamples = new ArrayList<>();
            List<Long> liveHeap = new ArrayList<>();
            long nextHeap = warmEnd;
            boolean baseline = false;
            while (System.nanoTime() < end - TimeUnit.SECONDS.toNanos(5)) {
                Thread.sleep(10_000);
                long now = System.nanoTime();
                double minute = (now - start) / 60e9;
                double rss = rss() / MIB;
                double code = codeCacheBytes() / MIB;
                if (now > warmEnd) {
                    if (!baseline) baseline = nativeMemory("baseline") != null;
                    rssSamples.add(new double[] {minute, rss - code});
                }
                String heap = "";
                if (now >= nextHeap) {
                    liveHeap.add(liveHeapBytes());
                    heap = String.format(", live heap %.1f MiB", liveHeap.get(liveHeap.size() - 1) / MIB);
                    nextHeap += TimeUnit.MINUTES.toNanos(1);
                }
                System.out.printf("soak: %.2f min, %d requests, rss %.1f MiB, jit code cache %.1f MiB, rss outside it %.1f MiB%s%s%n",
                        minute, requests.get(), rss, code, rss - code, heap, now > warmEnd ? "" : " (warm-up)");
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
            String nmt = nativeMemory("summary.diff");
            if (nmt != null) System.out.println("soak: native memory since the warm-up (NMT)\n" + nmt);
            assertTrue(rssSamples.size() >= 6 && liveHeap.size() >= 2, "sampled after warm-up: run at least 3 minutes");
            double slope = medianSlope(rssSamples);
            double heapGrowth = (liveHeap.get(liveHeap.size() - 1) - liveHeap.get(0)) / MIB;
            System.out.printf("soak: rss outside the code cache: slope %.3f MiB/min over %d samples (%.1f to %.1f MiB), "
                    + "live heap %+.2f MiB, %d requests%n",
                    slope, rssSamples.size(), rssSamples.get(0)[1], rssSamples.get(rssSamples.size() - 1)[1], heapGrowth,
                    requests.get());
            assertTrue(slope <= RSS_SLOPE_MIB_PER_MIN, String.format("resident set flat: rises %.3f MiB/min after warm-up", slope));
            assertTrue(heapGrowth <= LIVE_HEAP_GROWTH_MIB, String.format("live heap flat: grew %.2f MiB", heapGrowth));
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

    /** The median of the slopes between every two samples (Theil-Sen), in MiB per minute. */
    static double medianSlope(List<double[]> samples) {
        List<Double> slopes = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            for (int j = i + 1; j < samples.size(); j++) {
                double dt = samples.get(j)[0] - samples.get(i)[0];
                if (dt > 0) slopes.add((samples.get(j)[1] - samples.get(i)[1]) / dt);
            }
        }
        Collections.sort(slopes);
        int n = slopes.size();
        return n % 2 == 1 ? slopes.get(n / 2) : (slopes.get(n / 2 - 1) + slopes.get(n / 2)) / 2;
    }

    /** Heap bytes in use right after a full collection: what is still reachable. */
    private static long liveHeapBytes() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * What the JIT's code cache holds (NMT's "Code", committed), or 0 without NMT: it fills as methods
     * turn hot, up to its reserved size, for minutes on a busy machine. Generated classes would show
     * in Metaspace, which the resident set still counts.
     */
    private static long codeCacheBytes() {
        String summary = nativeMemory("summary");
        if (summary == null) return 0;
        Matcher m = Pattern.compile("- +Code \\(reserved=\\d+KB, committed=(\\d+)KB").matcher(summary);
        if (!m.find()) throw new AssertionError("no Code line in the NMT summary:\n" + summary);
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** {@code jcmd VM.native_memory ARG} of this JVM, or null when it runs without NMT. */
    private static String nativeMemory(String arg) {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "vmNativeMemory", new Object[] {new String[] {arg}}, new String[] {String[].class.getName()});
            String text = String.valueOf(out);
            return text.contains("not enabled") ? null : text;
        } catch (JMException e) {
            return null;
        }
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.trim().split("\\s+")[1]) * 1024;
        }
        return -1;
    }
}
