package org.tramontane.bench;

import org.tramontane.backend.KvCacheSpec;

import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.QuantScheme;

/** Work and memory of a Mixtral config, as the bench's ratios count them. */
public final class ModelCost {
    private ModelCost() {}

    /** Weights of one layer's attention linears: q, k, v [out, hidden] and o [hidden, q]. */
    private static long attentionParams(MixtralConfig c) {
        long h = c.hiddenSize();
        return h * (c.qSize() + 2L * c.kvSize()) + (long) c.qSize() * h;
    }

    /** Weights of one expert: w1, w3 [intermediate, hidden] and w2 [hidden, intermediate]. */
    private static long expertParams(MixtralConfig c) {
        return 3L * c.hiddenSize() * c.intermediateSize();
    }

    /** Weights of one layer kept in f32: the router [experts, hidden] and the two norms. */
    private static long routerAndNormParams(MixtralConfig c) {
        return (long) c.numExperts() * c.hiddenSize() + 2L * c.hiddenSize();
    }

    /** embed_tokens and lm_head [vocab, hidden], one matrix when tied. */
    private static long embeddingParams(MixtralConfig c) {
        return (long) c.vocabSize() * c.hiddenSize() * (c.tieWordEmbeddings() ? 1 : 2);
    }

    /** Every weight of the checkpoint, as HF counts {@code model.num_parameters()}. */
    public static long parameterCount(MixtralConfig c) {
        long layer = attentionParams(c) + c.numExperts() * expertParams(c) + routerAndNormParams(c);
        return c.numLayers() * layer + embeddingParams(c) + c.hiddenSize();
    }

    /** Weights a token touches: attention, router, norms, its topK experts, lm_head (and its embedding row). */
    public static long activeParameters(MixtralConfig c) {
        long layer = attentionParams(c) + c.topK() * expertParams(c) + routerAndNormParams(c);
        return c.numLayers() * layer + (long) c.vocabSize() * c.hiddenSize() + 2L * c.hiddenSize();
    }

    /** Multiply-adds per token of the linears a prefill token runs: attention, router, topK experts (no lm_head). */
    static long linearMacsPerToken(MixtralConfig c) {
        long router = (long) c.numExperts() * c.hiddenSize();
        return c.numLayers() * (attentionParams(c) + router + c.topK() * expertParams(c));
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
        long embed = embeddingParams(c);
        long f32 = c.numLayers() * routerAndNormParams(c) + h;
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
}
