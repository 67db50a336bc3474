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
            "prefill_tokens_per_s", "cached_tokens", "decode_tokens_per_s", "decode_tokens_per_s_per_seq", "first_token_ms", "token_ms_p50",
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
        assertEquals(List.of("machine", "weights", "kv_cache", "prefix_caching", "cases"), keys(root));
        assertEquals(List.of("prefix_len", "enabled"), keys(root.get("prefix_caching")));
        assertEquals(0, root.get("prefix_caching").get("prefix_len").asInt());
        assertTrue(!root.get("prefix_caching").get("enabled").asBoolean(), "off unless asked");
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
            assertEquals(0, c.get("cached_tokens").asLong());
        }
    }

    /**
     * Four prompts of 300 tokens sharing their first 256 (two blocks of 128): with prefix caching the three
     * later ones find both blocks in every run (warm-up and timed runs have prompts of their own, so no run
     * finds an earlier one's); without, nothing is cached (the table says which ran).
     */
    @Test
    void aSharedPrefixIsPrefilledOnceWithPrefixCaching() throws Exception {
        CliTest.Result r = CliTest.run("bench", "--model", Fixtures.dir("tiny-mixtral").toString(), "--dtype", "fp32",
                "--batch-size", "4", "--input-len", "300", "--prefix-len", "256", "--output-len", "2", "--warmup", "1",
                "--repeats", "2", "--output-format", "json", "--enable-prefix-caching");
        assertEquals(0, r.code(), r.err());
        JsonNode root = r.json();
        assertEquals(256, root.get("prefix_caching").get("prefix_len").asInt());
        assertTrue(root.get("prefix_caching").get("enabled").asBoolean());
        assertEquals(3 * 256, root.get("cases").get(0).get("cached_tokens").asLong());
        CliTest.Result t = CliTest.run("bench", "--model", Fixtures.dir("tiny-mixtral").toString(), "--batch-size", "4",
                "--input-len", "300", "--prefix-len", "256", "--output-len", "2", "--warmup", "0", "--repeats", "1");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("\nprefix   256 tokens shared per batch, prefix caching off\n"), t.out());
        String row = t.out().lines().filter(l -> l.contains("|")).skip(1).findFirst().orElseThrow();
        assertEquals("0", row.split("\\|")[1].trim().split("\\s+")[1], "nothing cached: " + row);
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
        CliTest.Result p = CliTest.run("bench", "--config", MINI, "--load-format", "dummy", "--input-len", "64,512",
                "--prefix-len", "64");
        assertEquals(2, p.code());
        assertTrue(p.err().contains("--prefix-len 64 must be below every --input-len (64)"), p.err());
    }
}
