package org.tramontane.convert;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of Mistral's original "consolidated" Mixtral checkpoints (the input of transformers'
 * {@code convert_mixtral_weights_to_hf.py}), each with the shape params.json implies: the only
 * place their names are spelled. Constants are in checkpoint order: the embedding, one layer's
 * tensors (repeated per layer), the final norm and the output head.
 */
enum MistralTensor {
    /** [V, H] */
    TOK_EMBEDDINGS(false, "tok_embeddings.weight"),
    /** [H], before attention. */
    ATTENTION_NORM(true, "attention_norm.weight"),
    /** [heads * headDim, H], rows of each head in interleaved RoPE order (pairs 2j, 2j+1). */
    WQ(true, "attention.wq.weight"),
    /** [kvHeads * headDim, H], rows of each head in interleaved RoPE order. */
    WK(true, "attention.wk.weight"),
    /** [kvHeads * headDim, H] */
    WV(true, "attention.wv.weight"),
    /** [H, heads * headDim] */
    WO(true, "attention.wo.weight"),
    /** [H], before the MoE block. */
    FFN_NORM(true, "ffn_norm.weight"),
    /** The router, [E, H]. */
    GATE(true, "block_sparse_moe.gate.weight"),
    /** All experts' gate projections stacked, [E * I, H]; no ".weight" suffix. */
    W1(true, "block_sparse_moe.w1"),
    /** All experts' down projections stacked as in x out, [E * I, H] (each expert's block is HF w2 transposed). */
    W2(true, "block_sparse_moe.w2"),
    /** All experts' up projections stacked, [E * I, H]. */
    W3(true, "block_sparse_moe.w3"),
    /** [H] */
    NORM(false, "norm.weight"),
    /** [V, H] */
    OUTPUT(false, "output.weight");

    /** Tensors some Mistral/LLaMA-style checkpoints carry that are derived data, not weights (RoPE cache). */
    static final Set<String> DERIVED = Set.of("rope.freqs");

    private final boolean perLayer;
    private final String suffix;

    MistralTensor(boolean perLayer, String suffix) {
        this.perLayer = perLayer;
        this.suffix = suffix;
    }

    /** The name of this whole-model tensor. */
    String key() {
        if (perLayer) throw new IllegalStateException(this + " is a per-layer tensor");
        return suffix;
    }

    /** The name of this tensor in layer {@code layer}. */
    String at(int layer) {
        if (!perLayer) throw new IllegalStateException(this + " is not a per-layer tensor");
        if (layer < 0) throw new IllegalArgumentException("layer " + layer);
        return "layers." + layer + "." + suffix;
    }

    /** The shape params.json implies. */
    List<Long> shape(MistralParams p) {
        long h = p.hiddenSize();
        long q = (long) p.numHeads() * p.headDim();
        long kv = (long) p.numKvHeads() * p.headDim();
        long stacked = (long) p.numExperts() * p.intermediateSize();
        return switch (this) {
            case TOK_EMBEDDINGS, OUTPUT -> List.of((long) p.vocabSize(), h);
            case ATTENTION_NORM, FFN_NORM, NORM -> List.of(h);
            case WQ -> List.of(q, h);
            case WK, WV -> List.of(kv, h);
            case WO -> List.of(h, q);
            case GATE -> List.of((long) p.numExperts(), h);
            case W1, W2, W3 -> List.of(stacked, h);
        };
    }

    /** Every tensor name of the checkpoint params.json describes, in checkpoint order, to its shape. */
    static Map<String, List<Long>> expected(MistralParams p) {
        Map<String, List<Long>> m = new LinkedHashMap<>();
        m.put(TOK_EMBEDDINGS.key(), TOK_EMBEDDINGS.shape(p));
        for (int l = 0; l < p.numLayers(); l++) {
            for (MistralTensor t : values()) {
                if (t.perLayer) m.put(t.at(l), t.shape(p));
            }
        }
        m.put(NORM.key(), NORM.shape(p));
        m.put(OUTPUT.key(), OUTPUT.shape(p));
        return m;
    }
}
