package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A long prompt through the packaged jar's bench: prefilled in chunks of the step budget, then 32
 * decode steps, with the process's peak RSS (VmHWM, JVM included) within weights + KV pool + 15%
 * (issue 22's bound). mixtral-mini with dummy weights, 4096 positions (the 32768-token run of
 * docs/kv-cache.md takes minutes; this one well under one).
 */
class LongContextIT {
    private static final double RSS_BOUND = 1.15;

    @Test
    void longPromptChunksAndDecodesWithinTheMemoryBound() throws Exception {
        String mini = Path.of(System.getProperty("tramontane.basedir", ".")).resolve("configs/mixtral-mini.json").toString();
        JarIT.Proc p = JarIT.jar("bench", "--config", mini, "--load-format", "dummy", "--input-len", "4096", "--output-len",
                "33", "--max-num-batched-tokens", "512", "--warmup", "0", "--repeats", "1", "--output-format", "json");
        assertEquals(0, p.code(), p.err());
        JsonNode root = new ObjectMapper().readTree(p.out());
        JsonNode c = root.get("cases").get(0);
        assertEquals(4096, c.get("input_len").asInt());
        assertTrue(c.get("decode_tokens_per_s").asDouble() > 0, p.out());
        // 4096 + 33 positions: 33 blocks of 128, bf16, 8 layers x 2 x 4 KV heads x 64
        long kv = root.get("kv_cache").get("bytes").asLong();
        assertEquals(33L * 128 * 8 * 2 * 4 * 64 * 2, kv);
        assertEquals(kv, c.get("kv_cache_bytes").asLong());
        long weights = root.get("weights").get("bytes").asLong();
        long rss = c.get("peak_rss_bytes").asLong();
        assertTrue(rss > weights, "the weights are resident: " + rss + " of " + weights);
        assertTrue(rss <= RSS_BOUND * (weights + kv), "peak RSS " + rss + " over " + RSS_BOUND + " x (weights " + weights
                + " + KV " + kv + ")");
        double share = c.get("decode_attention_share").asDouble();
        assertTrue(share > 0 && share < 1, "attention share of a decode step: " + share);
    }
}
