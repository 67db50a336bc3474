package org.tramontane.bench;

import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.QuantScheme;

/** Work and memory of a Mixtral config, as the bench's ratios count them. */
public final class ModelCost {
    private ModelCost() {}

    /** Multiply-adds per token of the linears a prefill token runs: attention, router, topK experts (no lm_head). */
    static long linearMacsPerToken(MixtralConfig c) {
        long h = c.hiddenSize();
        long attn = h * (c.qSize() + 2L * c.kvSize()) + (long) c.qSize() * h;
        long router = (long) c.numExperts() * h;
        long experts = 3L * c.topK() * h * c.intermediateSize();
        return c.numLayers() * (attn + router + experts);
    }

    /**
     * FLOPs per prompt token of a causal prefill of {@code inputLen} tokens: 2 per multiply-add of
     * the linears above plus QK^T and PV over the (inputLen + 1) / 2 keys an average token sees.
     * lm_head (run once per sequence) is left out, as in perf-anchors.md (402.8 MFLOP for mixtral-mini at 512).
     */
    public static double prefillFlopsPerToken(MixtralConfig c, int inputLen) {
        double attention = 4.0 * c.numLayers() * c.numHeads() * c.headDim() * (inputLen + 1) / 2.0;
        return 2.0 * linearMacsPerToken(c) + attention;
    }

    /** Bytes of all weights as loaded at {@code dtype}: linears and embeddings at dtype, norms and router in f32. */
    public static long weightBytes(MixtralConfig c, DType dtype) {
        return weightBytes(c, dtype, null);
    }

    /**
     * The same with the linears (q/k/v/o, experts) quantized by {@code quant} (null: float): int8
     * values plus one f32 scale per output row; embeddings stay at dtype, norms and router f32.
     */
    public static long weightBytes(MixtralConfig c, DType dtype, QuantScheme quant) {
        long h = c.hiddenSize();
        long attn = h * (c.qSize() + 2L * c.kvSize()) + (long) c.qSize() * h;
        long experts = 3L * c.numExperts() * h * c.intermediateSize();
        long embed = (long) c.vocabSize() * h * (c.tieWordEmbeddings() ? 1 : 2);
        long f32 = c.numLayers() * ((long) c.numExperts() * h + 2 * h) + h;
        long linears = c.numLayers() * (attn + experts);
        if (quant == null) return (linears + embed) * dtype.elemBytes + f32 * 4;
        long scaleRows = c.numLayers() * (c.qSize() + 2L * c.kvSize() + h
                + (long) c.numExperts() * (2L * c.intermediateSize() + h));
        return linears * quant.weightDType.elemBytes + scaleRows * quant.scaleDType.elemBytes
                + embed * dtype.elemBytes + f32 * 4;
    }

    /** Bytes of a paged KV cache of numBlocks blocks (keys and values, every layer). */
    public static long kvCacheBytes(MixtralConfig c, int numBlocks, int blockSize, DType kvDtype) {
        return 2L * c.numLayers() * numBlocks * blockSize * c.kvSize() * kvDtype.elemBytes;
    }
}
