package org.tramontane.engine;

import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.Precision;
import org.tramontane.config.QuantScheme;
import org.tramontane.model.MemorySizes;
import org.tramontane.model.MemoryBudget;

/**
 * What a model takes before any of it is allocated: its weights, one step's activations and,
 * when the pool size is fixed, the KV cache. {@link #check} refuses a plan the machine cannot hold.
 *
 * @param weights     bytes of the weights at the run's precision (and quantization)
 * @param activations bytes of one step of {@code --max-num-batched-tokens} tokens
 * @param kvCache     bytes of a {@code --num-blocks} pool, else the {@code --kv-cache-memory} budget; 0 when
 *                    the pool is sized per run
 */
public record MemoryPlan(long weights, long activations, long kvCache) {
    static MemoryPlan of(MixtralConfig c, Precision precision, QuantScheme quant, EngineOptions o, DType kvDtype) {
        long weights = MemorySizes.weightBytes(c, precision.weightDtype, quant);
        long activations = MemorySizes.stepBytes(c, o.maxNumBatchedTokens(), Math.min(o.maxNumSeqs(), o.maxNumBatchedTokens()));
        long kv = o.numBlocks() > 0 ? MemorySizes.kvCacheBytes(c, o.numBlocks(), o.blockSize(), kvDtype) : o.kvCacheMemory();
        return new MemoryPlan(weights, activations, kv);
    }

    public long total() {
        return weights + activations + kvCache;
    }

    /** Refuses the plan when it exceeds the memory available, naming its parts. */
    void check(String model) {
        MemoryBudget.require(model + " (weights " + MemoryBudget.size(weights) + ", activations "
                + MemoryBudget.size(activations) + (kvCache > 0 ? ", KV cache " + MemoryBudget.size(kvCache) : "") + ")",
                total());
    }
}
