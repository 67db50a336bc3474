package org.tramontane.model;

/** What the engine needs of a model: a vocabulary, a KV cache and one forward step. */
public interface CausalLm extends AutoCloseable {
    int vocabSize();

    /** Positions a query attends to, itself included (sliding_window); 0 = all: the engine frees blocks before them. */
    default int slidingWindow() {
        return 0;
    }

    /** Paged KV cache geometry of this model (set by {@link #allocateKvCache}). */
    void allocateKvCache(int numBlocks, int blockSize);

    /**
     * Logits [logitsIdx.length][vocabSize] of the batch's selected tokens. The arrays may be reused
     * by the next call: read (or copy) them before stepping again.
     */
    float[][] forward(ForwardBatch batch);

    @Override
    void close();
}
