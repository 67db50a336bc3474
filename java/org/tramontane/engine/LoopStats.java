package org.tramontane.engine;

import org.tramontane.kvcache.PrefixCacheStats;

/**
 * What {@link EngineLoop} looks like after its latest step (the serving metrics' gauges).
 *
 * @param numRunning     sequences holding KV blocks
 * @param numWaiting     sequences queued, preempted ones included
 * @param numBlocks      blocks in the pool
 * @param numFreeBlocks  blocks not handed out
 * @param numPreemptions running sequences sent back to be recomputed so far
 * @param prefixCache    prompt tokens looked up in the prefix cache and found there so far
 */
public record LoopStats(int numRunning, int numWaiting, int numBlocks, int numFreeBlocks, long numPreemptions,
        PrefixCacheStats prefixCache) {
    /** The share of KV blocks in use, 0..1 (vLLM's kv_cache_usage_perc). */
    public double kvCacheUsage() {
        return numBlocks == 0 ? 0 : (numBlocks - numFreeBlocks) / (double) numBlocks;
    }
}
