package org.tramontane.kvcache;

/**
 * Prefix-cache counts in tokens, as vLLM's vllm:prefix_cache_queries / vllm:prefix_cache_hits count
 * them: each sequence counts once, when it is first scheduled.
 *
 * @param queries prompt tokens looked up (every token of each sequence)
 * @param hits    of those, the tokens found cached (whose prefill was skipped)
 */
public record PrefixCacheStats(long queries, long hits) {
    public static final PrefixCacheStats NONE = new PrefixCacheStats(0, 0);

    public PrefixCacheStats plus(PrefixCacheStats o) {
        return new PrefixCacheStats(queries + o.queries, hits + o.hits);
    }
}
