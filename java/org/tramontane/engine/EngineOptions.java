package org.tramontane.engine;

import org.tramontane.config.KvCacheDtype;
import org.tramontane.kvcache.CachePolicy;

/**
 * Sizes of the paged KV cache and the batch.
 *
 * @param blockSize           positions per KV block ({@code --block-size}, MindIE/vLLM default 128)
 * @param numBlocks           blocks in the pool ({@code --num-blocks}); 0 = from {@code kvCacheMemory}, else
 *                            enough for every request at once as far as free memory allows ({@link KvPool})
 * @param maxNumSeqs          sequences decoded together at most ({@code --max-batch-size})
 * @param maxModelLen         positions a sequence may reach; 0 = the model's max_position_embeddings
 * @param maxNumBatchedTokens tokens one step computes at most ({@code --max-num-batched-tokens}, as vLLM
 *                            names it): longer prefills run in chunks, which bounds activation memory
 * @param kvCacheMemory       bytes the pool may take ({@code --kv-cache-memory}); 0 = unset
 * @param kvCacheDtype        what the cache stores ({@code --kv-cache-dtype})
 * @param enablePrefixCaching full blocks are kept by the hash of their tokens and reused by later sequences that
 *                            start with the same tokens ({@code --enable-prefix-caching}); a backend that cannot
 *                            prefill after a cached prefix runs without
 */
public record EngineOptions(int blockSize, int numBlocks, int maxNumSeqs, int maxModelLen, int maxNumBatchedTokens,
        long kvCacheMemory, KvCacheDtype kvCacheDtype, boolean enablePrefixCaching) {
    public static final int DEFAULT_BLOCK_SIZE = 128;
    public static final int DEFAULT_MAX_NUM_BATCHED_TOKENS = 2048;

    public EngineOptions {
        if (blockSize <= 0) throw new EngineException("--block-size must be positive");
        if (numBlocks < 0) throw new EngineException("--num-blocks must be >= 0");
        if (maxNumSeqs <= 0) throw new EngineException("--max-batch-size must be positive");
        if (maxModelLen < 0) throw new IllegalArgumentException("maxModelLen must be >= 0");
        if (maxNumBatchedTokens <= 0) throw new EngineException("--max-num-batched-tokens must be positive");
        if (kvCacheMemory < 0) throw new EngineException("--kv-cache-memory must be >= 0");
        if (numBlocks > 0 && kvCacheMemory > 0) {
            throw new EngineException("--num-blocks and --kv-cache-memory both size the KV pool: give one");
        }
        if (kvCacheDtype == null) throw new IllegalArgumentException("kvCacheDtype must be given");
    }

    /** Without prefix caching. */
    public EngineOptions(int blockSize, int numBlocks, int maxNumSeqs, int maxModelLen, int maxNumBatchedTokens,
            long kvCacheMemory, KvCacheDtype kvCacheDtype) {
        this(blockSize, numBlocks, maxNumSeqs, maxModelLen, maxNumBatchedTokens, kvCacheMemory, kvCacheDtype, false);
    }

    /** The KV cache in the compute dtype, its pool from {@code numBlocks}. */
    public EngineOptions(int blockSize, int numBlocks, int maxNumSeqs, int maxModelLen, int maxNumBatchedTokens) {
        this(blockSize, numBlocks, maxNumSeqs, maxModelLen, maxNumBatchedTokens, 0, KvCacheDtype.AUTO);
    }

    /** With the default step budget of {@value #DEFAULT_MAX_NUM_BATCHED_TOKENS} tokens. */
    public EngineOptions(int blockSize, int numBlocks, int maxNumSeqs, int maxModelLen) {
        this(blockSize, numBlocks, maxNumSeqs, maxModelLen, DEFAULT_MAX_NUM_BATCHED_TOKENS);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(DEFAULT_BLOCK_SIZE, 0, 256, 0);
    }

    /** These options with the context length filled in from the model when unset. */
    public EngineOptions withModelLen(int maxPositionEmbeddings) {
        return maxModelLen > 0 ? this
                : new EngineOptions(blockSize, numBlocks, maxNumSeqs, maxPositionEmbeddings, maxNumBatchedTokens,
                        kvCacheMemory, kvCacheDtype, enablePrefixCaching);
    }

    /** These options with the pool fixed at {@code blocks} blocks. */
    public EngineOptions withNumBlocks(int blocks) {
        return new EngineOptions(blockSize, blocks, maxNumSeqs, maxModelLen, maxNumBatchedTokens, 0, kvCacheDtype,
                enablePrefixCaching);
    }

    /** These options with the cache stored as {@code dtype} and the pool bounded by {@code memory} bytes (0: unset). */
    public EngineOptions withKvCache(KvCacheDtype dtype, long memory) {
        return new EngineOptions(blockSize, numBlocks, maxNumSeqs, maxModelLen, maxNumBatchedTokens, memory, dtype,
                enablePrefixCaching);
    }

    /** How the pool keeps blocks for a model attending to {@code slidingWindow} positions (0: all). */
    public CachePolicy cachePolicy(int slidingWindow) {
        return new CachePolicy(enablePrefixCaching, slidingWindow);
    }

    /** These options with prefix caching on or off. */
    public EngineOptions withPrefixCaching(boolean enabled) {
        return new EngineOptions(blockSize, numBlocks, maxNumSeqs, maxModelLen, maxNumBatchedTokens, kvCacheMemory,
                kvCacheDtype, enabled);
    }
}
