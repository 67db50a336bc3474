package org.tramontane.engine;

/**
 * Sizes of the paged KV cache and the batch.
 *
 * @param blockSize   positions per KV block ({@code --block-size}, MindIE/vLLM default 128)
 * @param numBlocks   blocks in the pool ({@code --num-blocks}); 0 = enough for every request at once
 * @param maxNumSeqs  sequences decoded together at most ({@code --max-batch-size})
 * @param maxModelLen positions a sequence may reach; 0 = the model's max_position_embeddings
 */
public record EngineOptions(int blockSize, int numBlocks, int maxNumSeqs, int maxModelLen) {
    public static final int DEFAULT_BLOCK_SIZE = 128;

    public EngineOptions {
        if (blockSize <= 0) throw new EngineException("--block-size must be positive");
        if (numBlocks < 0) throw new EngineException("--num-blocks must be >= 0");
        if (maxNumSeqs <= 0) throw new EngineException("--max-batch-size must be positive");
        if (maxModelLen < 0) throw new IllegalArgumentException("maxModelLen must be >= 0");
    }

    public static EngineOptions defaults() {
        return new EngineOptions(DEFAULT_BLOCK_SIZE, 0, 256, 0);
    }

    /** These options with the context length filled in from the model when unset. */
    public EngineOptions withModelLen(int maxPositionEmbeddings) {
        return maxModelLen > 0 ? this : new EngineOptions(blockSize, numBlocks, maxNumSeqs, maxPositionEmbeddings);
    }
}
