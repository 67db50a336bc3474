package org.tramontane.weights;

/**
 * Tensor names inside one rank's file of a pre-sharded (tramontane layout) checkpoint: weights
 * already cut for that rank and laid out for the kernels (fused QKV, experts stacked [E, rows, cols]).
 */
public final class PreShardedNames {
    private PreShardedNames() {}

    public static String embedTokens() {
        return "embed_tokens.weight";
    }

    public static String finalNorm() {
        return "norm.weight";
    }

    public static String lmHead() {
        return "lm_head.weight";
    }

    public static String inputNorm(int layer) {
        return "layers." + layer + ".input_norm.weight";
    }

    public static String postNorm(int layer) {
        return "layers." + layer + ".post_norm.weight";
    }

    /** q, k and v rows of this rank, in that order. */
    public static String qkvProj(int layer) {
        return "layers." + layer + ".qkv_proj.weight";
    }

    public static String oProj(int layer) {
        return "layers." + layer + ".o_proj.weight";
    }

    public static String router(int layer) {
        return "layers." + layer + ".router.weight";
    }

    /** Stacked experts [E, rows, cols]; {@code w} is "w1", "w2" or "w3". */
    public static String experts(int layer, String w) {
        return "layers." + layer + ".experts." + w + ".weight";
    }
}
