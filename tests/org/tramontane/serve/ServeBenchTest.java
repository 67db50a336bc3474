package org.tramontane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.tramontane.engine.EngineOptions;
import org.tramontane.serve.bench.ServeBench;
import org.tramontane.serve.bench.ServeBenchOptions;
import org.tramontane.serve.bench.ServeBenchReport;

/** bench-serve's measurements against a real server: counts exact, latencies ordered as their definitions imply. */
class ServeBenchTest {
    @Test
    void theReportCountsEveryTokenAndOrdersItsLatencies() throws Exception {
        try (TestServer s = TestServer.start(new EngineOptions(16, 256, 8, 0), "k", 64)) {
            URI url = URI.create("http://127.0.0.1:" + s.server.port());
            ServeBenchReport r = ServeBench.run(new ServeBenchOptions(url, TestServer.MODEL, "k", 12, 4, 10, 6,
                    Double.POSITIVE_INFINITY, 1));
            assertEquals(12, r.completed());
            assertEquals(0, r.failed());
            assertEquals(120, r.totalInputTokens());
            assertEquals(72, r.totalOutputTokens());
            assertTrue(r.meanTtftMs() > 0 && r.meanTtftMs() <= r.meanE2elMs());
            assertTrue(r.medianItlMs() > 0 && r.meanTpotMs() > 0);
            assertTrue(r.p99E2elMs() >= r.medianE2elMs());
            assertEquals(r.totalOutputTokens() / r.duration(), r.outputThroughput(), 1e-9);
            String text = r.text();
            for (String name : new String[] {"Successful requests:", "Request throughput (req/s):", "Output token throughput (tok/s):",
                "Mean TTFT (ms):", "Median TTFT (ms):", "P99 TTFT (ms):", "Mean TPOT (ms):", "Mean ITL (ms):", "P99 E2EL (ms):"}) {
                assertTrue(text.contains(name), name);
            }
            var json = TestServer.json(r.json());
            assertEquals(12, json.get("completed").asInt());
            assertTrue(json.has("median_tpot_ms") && json.has("p99_itl_ms") && json.has("request_throughput"));

            ServeBenchReport refused = ServeBench.run(new ServeBenchOptions(url, TestServer.MODEL, "wrong", 2, 2, 4, 2,
                    Double.POSITIVE_INFINITY, 1));
            assertEquals(0, refused.completed());
            assertEquals(2, refused.failed(), "a 401 counts as failed");
        }
    }
}
