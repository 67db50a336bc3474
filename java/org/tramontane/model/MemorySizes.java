package org.tramontane.model;

import org.tramontane.backend.KvCacheSpec;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.QuantScheme;

/** Bytes a Mixtral config takes in memory, by part: weights, KV cache, one step's activations. */
public final class MemorySizes {
    private MemorySizes() {}

    /** Weights of one layer's attention linears: q, k, v [out, hidden] and o [hidden, q]. */
    private static long attentionParams(MixtralConfig c) {
        long h = c.hiddenSize();
        return h * (c.qSize() + 2L * c.kvSize()) + (long) c.qSize() * h;
    }

    /** Weights of one expert: w1, w3 [intermediate, hidden] and w2 [hidden, intermediate]. */
    private static long expertParams(MixtralConfig c) {
        return 3L * c.hiddenSize() * c.intermediateSize();
    }

    /**
     * Bytes of all weights as loaded at {@code dtype}, with the linears (q/k/v/o, experts) quantized
     * by {@code quant} (null: float): int8 values plus one scale per output row; embeddings stay at
     * dtype, norms and router f32.
     */
    public static long weightBytes(MixtralConfig c, DType dtype, QuantScheme quant) {
        long h = c.hiddenSize();
        long embed = (long) c.vocabSize() * h * (c.tieWordEmbeddings() ? 1 : 2);
        long f32 = c.numLayers() * ((long) c.numExperts() * h + 2L * h) + h;
        long linears = c.numLayers() * (attentionParams(c) + c.numExperts() * expertParams(c));
        if (quant == null) return (linears + embed) * dtype.elemBytes + f32 * 4;
        long scaleRows = c.numLayers() * (c.qSize() + 2L * c.kvSize() + h
                + (long) c.numExperts() * (2L * c.intermediateSize() + h));
        return linears * quant.weightDType.elemBytes + scaleRows * quant.scaleDType.elemBytes
                + embed * dtype.elemBytes + f32 * 4;
    }

    /** Bytes of a paged KV cache of numBlocks blocks (keys and values, every layer; an int8 cache's scales too). */
    public static long kvCacheBytes(MixtralConfig c, int numBlocks, int blockSize, DType kvDtype) {
        return c.numLayers() * new KvCacheSpec(numBlocks, blockSize, c.numKvHeads(), c.headDim(), kvDtype).bytesPerLayer();
    }

    /**
     * An upper bound of one step's f32 activations for {@code tokens} tokens: the residual and
     * normed rows, q/k/v, the attention output, every token's topK experts' SwiGLU rows, and the
     * logits of {@code logitRows} rows.
     */
    public static long stepBytes(MixtralConfig c, long tokens, long logitRows) {
        long perToken = 4L * c.hiddenSize() + c.qSize() + 2L * c.kvSize() + c.numExperts()
                + 3L * c.topK() * c.intermediateSize();
        return 4L * (tokens * perToken + logitRows * c.vocabSize());
    }
}
