package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tramontane.testing.Fixtures;

/** The bench verb: JSON keys scripts parse, text output, and the refusals. No timing is asserted. */
class BenchCommandTest {
    private static final List<String> MACHINE_KEYS = List.of("threads", "read_bandwidth_gbs", "fp32_peak_gflops",
            "bf16_peak_gflops", "int8_peak_gops", "amx_bf16_peak_gflops", "amx_int8_peak_gops", "kernel_tuning");
    private static final List<String> CASE_KEYS = List.of("dtype", "quantize", "batch_size", "input_len", "output_len",
            "prefill_tokens_per_s", "decode_tokens_per_s", "decode_tokens_per_s_per_seq", "first_token_ms", "token_ms_p50",
            "token_ms_p90", "peak_rss_bytes", "kv_cache_bytes", "decode_bytes_per_step", "decode_roofline_ratio", "prefill_peak",
            "prefill_peak_ratio", "prefill_attention_share", "decode_attention_share");

    private static final String MINI = java.nio.file.Path.of(System.getProperty("tramontane.basedir", "."))
            .resolve("configs/mixtral-mini.json").toString();

    private static List<String> keys(JsonNode o) {
        List<String> k = new java.util.ArrayList<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) k.add(it.next());
        return k;
    }

    @Test
    void jsonHasExactlyTheDocumentedKeys() throws Exception {
        CliTest.Result r = CliTest.run("bench", "--model", Fixtures.dir("tiny-mixtral").toString(), "--dtype", "fp32",
                "--batch-size", "1,2", "--input-len", "8", "--output-len", "3", "--warmup", "0", "--repeats", "1",
                "--output-format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = r.json();
        assertEquals(List.of("machine", "weights", "kv_cache", "cases"), keys(root));
        // the pool holds both sequences of 8 + 3 positions: 2 blocks of 128, fp32 (the compute dtype)
        assertEquals("fp32", root.get("kv_cache").get("dtype").asText());
        // blocks x positions x layers x (keys, values) x KV heads x head dim x 4 bytes
        assertEquals(2L * 128 * 2 * 2 * 2 * 16 * 4, root.get("kv_cache").get("bytes").asLong());
        JsonNode m = root.get("machine");
        assertEquals(MACHINE_KEYS, keys(m));
        assertTrue(m.get("read_bandwidth_gbs").asDouble() > 0);
        assertTrue(m.get("fp32_peak_gflops").asDouble() > 0);
        assertTrue(m.get("kernel_tuning").isTextual() && !m.get("kernel_tuning").asText().isBlank(), m.toString());
        JsonNode cases = root.get("cases");
        assertEquals(2, cases.size());
        for (int i = 0; i < 2; i++) {
            JsonNode c = cases.get(i);
            assertEquals(CASE_KEYS, keys(c));
            assertEquals("fp32", c.get("dtype").asText());
            assertTrue(c.get("quantize").isNull());
            assertEquals(i + 1, c.get("batch_size").asInt());
            assertTrue(c.get("decode_tokens_per_s").asDouble() > 0);
            assertTrue(c.get("decode_bytes_per_step").asLong() > 0);
            assertTrue(c.get("peak_rss_bytes").asLong() > 0);
        }
    }

    @Test
    void textIsATable() {
        CliTest.Result r = CliTest.run("bench", "--model", Fixtures.dir("tiny-mixtral").toString(), "--input-len", "4",
                "--output-len", "2", "--warmup", "0", "--repeats", "1", "--max-num-batched-tokens", "3"); // chunked prompt
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("machine"), r.out());
        assertTrue(r.out().contains("\nkernels  tuning "), "the tuning line: " + r.out());
        assertTrue(r.out().contains(" bf16 "), "bf16 is the default dtype: " + r.out());
    }

    private static final String DEMO = java.nio.file.Path.of(System.getProperty("tramontane.basedir", "."))
            .resolve("configs/mixtral-demo.json").toString();

    /** Dummy weights quantized at load, sharded over two in-process ranks. */
    @Test
    void quantizesDummyWeightsAtLoad() throws Exception {
        CliTest.Result r = CliTest.run("bench", "--config", DEMO, "--load-format", "dummy", "--quantize", "w8a8_dynamic",
                "--world-size", "2", "--dtype", "fp32", "--input-len", "4", "--output-len", "2", "--warmup", "0",
                "--repeats", "1", "--output-format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode c = r.json().get("cases").get(0);
        assertEquals("w8a8_dynamic", c.get("quantize").asText());
        assertEquals("fp32", c.get("dtype").asText());
        assertTrue(c.get("decode_tokens_per_s").asDouble() > 0);
        assertTrue(c.get("decode_bytes_per_step").asLong() > 0);
    }

    @Test
    void refusesBadOptions() {
        CliTest.Result q = CliTest.run("bench", "--config", MINI, "--load-format", "dummy", "--quantize", "w4a16");
        assertEquals(2, q.code());
        assertTrue(q.err().contains("'--quantize': 'w4a16' is not one of w8a8_dynamic, w8a16"), q.err());
        assertEquals(2, CliTest.run("bench", "--config", MINI, "--load-format", "dummy",
                "--output-len", "1").code());
        CliTest.Result t = CliTest.run("bench", "--config", MINI, "--load-format", "dummy",
                "--max-num-batched-tokens", "0");
        assertEquals(2, t.code());
        assertTrue(t.err().contains("--max-num-batched-tokens must be >= 1"), t.err());
    }
}
