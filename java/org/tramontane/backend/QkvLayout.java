package org.tramontane.backend;

/**
 * Column layout of a fused QKV activation [numTokens, (numHeads + 2 * numKvHeads) * headDim]:
 * q heads first, then k heads, then v heads (HF head-contiguous order, rotate-half RoPE).
 */
public record QkvLayout(int numHeads, int numKvHeads, int headDim) {
    public int qSize() {
        return numHeads * headDim;
    }

    public int kvSize() {
        return numKvHeads * headDim;
    }

    public int width() {
        return qSize() + 2 * kvSize();
    }
}
