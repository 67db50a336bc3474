package org.tramontane.weights;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.config.MixtralConfig;

/**
 * The HuggingFace tensor names of {@code MixtralForCausalLM}: the only place in the engine
 * where they are spelled. Everything else asks for a weight by its role (layer, expert, matrix).
 * Shapes are [out, in] for linears, as PyTorch stores them.
 */
public final class MixtralWeightNames {
    private MixtralWeightNames() {}

    private static final String WEIGHT = ".weight";
    /** msModelSlim's per-output-channel dequantization scale beside an int8 {@code .weight}. */
    private static final String WEIGHT_SCALE = ".weight_scale";
    /** msModelSlim's zero point beside an int8 {@code .weight} (all zero for symmetric schemes). */
    private static final String WEIGHT_OFFSET = ".weight_offset";

    /** [vocabSize, hiddenSize] */
    public static String embedTokens() {
        return "model.embed_tokens.weight";
    }

    /** [hiddenSize] */
    public static String finalNorm() {
        return "model.norm.weight";
    }

    /** [vocabSize, hiddenSize]; absent when tie_word_embeddings reuses the embedding. */
    public static String lmHead() {
        return "lm_head.weight";
    }

    /** The layer index of a {@code model.layers.N.} tensor name, -1 for any other name. */
    public static int layerOf(String name) {
        String prefix = "model.layers.";
        if (!name.startsWith(prefix)) return -1;
        int dot = name.indexOf('.', prefix.length());
        try {
            return dot < 0 ? -1 : Integer.parseInt(name.substring(prefix.length(), dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** [hiddenSize] */
    public static String inputLayerNorm(int layer) {
        return layer(layer) + "input_layernorm.weight";
    }

    /** [hiddenSize] */
    public static String postAttentionLayerNorm(int layer) {
        return layer(layer) + "post_attention_layernorm.weight";
    }

    /** [numHeads * headDim, hiddenSize], rows in rotate-half RoPE order. */
    public static String qProj(int layer) {
        return attn(layer, "q_proj");
    }

    /** [numKvHeads * headDim, hiddenSize], rows in rotate-half RoPE order. */
    public static String kProj(int layer) {
        return attn(layer, "k_proj");
    }

    /** [numKvHeads * headDim, hiddenSize] */
    public static String vProj(int layer) {
        return attn(layer, "v_proj");
    }

    /** [hiddenSize, numHeads * headDim] */
    public static String oProj(int layer) {
        return attn(layer, "o_proj");
    }

    /** The MoE router ("gate"), [numExperts, hiddenSize]. */
    public static String router(int layer) {
        return layer(layer) + "block_sparse_moe.gate.weight";
    }

    /** Gate projection of SwiGLU, [intermediateSize, hiddenSize]. */
    public static String expertW1(int layer, int expert) {
        return expertPrefix(layer, expert) + "w1" + WEIGHT;
    }

    /** Down projection, [hiddenSize, intermediateSize]. */
    public static String expertW2(int layer, int expert) {
        return expertPrefix(layer, expert) + "w2" + WEIGHT;
    }

    /** Up projection of SwiGLU, [intermediateSize, hiddenSize]. */
    public static String expertW3(int layer, int expert) {
        return expertPrefix(layer, expert) + "w3" + WEIGHT;
    }

    /** Scale tensor [out, 1] of a quantized linear, given its {@code .weight} name. */
    public static String weightScale(String linearWeight) {
        return stripWeight(linearWeight) + WEIGHT_SCALE;
    }

    /** Zero-point tensor [out, 1] of a quantized linear, given its {@code .weight} name. */
    public static String weightOffset(String linearWeight) {
        return stripWeight(linearWeight) + WEIGHT_OFFSET;
    }

    /** What a tensor is for, which decides the dtypes a checkpoint may store it in. */
    public enum Role {
        /** Embedding, norms, router, lm_head: always stored in a float dtype. */
        FLOAT,
        /** q/k/v/o and expert w1/w2/w3: int8 in quantized checkpoints, float otherwise. */
        QUANTIZABLE_LINEAR
    }

    /** One tensor a Mixtral checkpoint must hold, with the shape the config implies. */
    public record Expected(String name, List<Long> shape, Role role) {
        public Expected {
            shape = List.copyOf(shape);
        }
    }

    /** Names of every tensor a checkpoint for {@code config} must have, in HF save order per layer. */
    public static List<String> required(MixtralConfig config) {
        return expected(config).stream().map(Expected::name).toList();
    }

    /**
     * Every required tensor with its expected shape. lm_head is left out when the config ties it
     * to the embedding (it may still be present; {@link MixtralCheckpointValidator} checks it then).
     */
    public static List<Expected> expected(MixtralConfig c) {
        long h = c.hiddenSize();
        long q = c.qSize();
        long kv = c.kvSize();
        long inter = c.intermediateSize();
        List<Expected> out = new ArrayList<>();
        out.add(new Expected(embedTokens(), List.of((long) c.vocabSize(), h), Role.FLOAT));
        for (int l = 0; l < c.numLayers(); l++) {
            out.add(new Expected(inputLayerNorm(l), List.of(h), Role.FLOAT));
            out.add(new Expected(qProj(l), List.of(q, h), Role.QUANTIZABLE_LINEAR));
            out.add(new Expected(kProj(l), List.of(kv, h), Role.QUANTIZABLE_LINEAR));
            out.add(new Expected(vProj(l), List.of(kv, h), Role.QUANTIZABLE_LINEAR));
            out.add(new Expected(oProj(l), List.of(h, q), Role.QUANTIZABLE_LINEAR));
            out.add(new Expected(postAttentionLayerNorm(l), List.of(h), Role.FLOAT));
            out.add(new Expected(router(l), List.of((long) c.numExperts(), h), Role.FLOAT));
            for (int e = 0; e < c.numExperts(); e++) {
                out.add(new Expected(expertW1(l, e), List.of(inter, h), Role.QUANTIZABLE_LINEAR));
                out.add(new Expected(expertW2(l, e), List.of(h, inter), Role.QUANTIZABLE_LINEAR));
                out.add(new Expected(expertW3(l, e), List.of(inter, h), Role.QUANTIZABLE_LINEAR));
            }
        }
        out.add(new Expected(finalNorm(), List.of(h), Role.FLOAT));
        if (!c.tieWordEmbeddings()) {
            out.add(new Expected(lmHead(), List.of((long) c.vocabSize(), h), Role.FLOAT));
        }
        return out;
    }

    private static String layer(int layer) {
        if (layer < 0) throw new IllegalArgumentException("layer " + layer);
        return "model.layers." + layer + ".";
    }

    private static String attn(int layer, String proj) {
        return layer(layer) + "self_attn." + proj + WEIGHT;
    }

    private static String expertPrefix(int layer, int expert) {
        if (expert < 0) throw new IllegalArgumentException("expert " + expert);
        return layer(layer) + "block_sparse_moe.experts." + expert + ".";
    }

    private static String stripWeight(String linearWeight) {
        if (!linearWeight.endsWith(WEIGHT)) {
            throw new IllegalArgumentException(linearWeight + " is not a .weight tensor name");
        }
        return linearWeight.substring(0, linearWeight.length() - WEIGHT.length());
    }
}
