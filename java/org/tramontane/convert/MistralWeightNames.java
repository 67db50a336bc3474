package org.tramontane.convert;

import java.util.Set;

/**
 * Tensor names of Mistral's original "consolidated" Mixtral checkpoints (the input of
 * transformers' {@code convert_mixtral_weights_to_hf.py}): the only place they are spelled.
 * Shapes use H = hidden size, V = vocabulary, E = experts, I = intermediate size.
 */
public final class MistralWeightNames {
    private MistralWeightNames() {}

    /** Tensors some Mistral/LLaMA-style checkpoints carry that are derived data, not weights (RoPE cache). */
    public static final Set<String> DERIVED = Set.of("rope.freqs");

    /** [V, H] */
    public static String tokEmbeddings() {
        return "tok_embeddings.weight";
    }

    /** [H] */
    public static String norm() {
        return "norm.weight";
    }

    /** [V, H] */
    public static String output() {
        return "output.weight";
    }

    /** [H], before attention. */
    public static String attentionNorm(int layer) {
        return layer(layer) + "attention_norm.weight";
    }

    /** [H], before the MoE block. */
    public static String ffnNorm(int layer) {
        return layer(layer) + "ffn_norm.weight";
    }

    /** [heads * headDim, H], rows of each head in interleaved RoPE order (pairs 2j, 2j+1). */
    public static String wq(int layer) {
        return attention(layer, "wq");
    }

    /** [kvHeads * headDim, H], rows of each head in interleaved RoPE order. */
    public static String wk(int layer) {
        return attention(layer, "wk");
    }

    /** [kvHeads * headDim, H] */
    public static String wv(int layer) {
        return attention(layer, "wv");
    }

    /** [H, heads * headDim] */
    public static String wo(int layer) {
        return attention(layer, "wo");
    }

    /** The router, [E, H]. */
    public static String gate(int layer) {
        return moe(layer) + "gate.weight";
    }

    /** All experts' gate projections stacked, [E * I, H]; no ".weight" suffix. */
    public static String w1(int layer) {
        return moe(layer) + "w1";
    }

    /** All experts' down projections stacked as in x out, [E * I, H] (each expert's block is HF w2 transposed). */
    public static String w2(int layer) {
        return moe(layer) + "w2";
    }

    /** All experts' up projections stacked, [E * I, H]. */
    public static String w3(int layer) {
        return moe(layer) + "w3";
    }

    private static String layer(int layer) {
        if (layer < 0) throw new IllegalArgumentException("layer " + layer);
        return "layers." + layer + ".";
    }

    private static String attention(int layer, String w) {
        return layer(layer) + "attention." + w + ".weight";
    }

    private static String moe(int layer) {
        return layer(layer) + "block_sparse_moe.";
    }
}
