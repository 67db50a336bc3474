package org.tramontane.config;

/**
 * How a backend computes, one row per {@code --dtype} (DESIGN.md, Precision): the dtype linear
 * weights are kept in, whether activations are rounded to it at matmul inputs, and the KV cache
 * dtype. Norms, softmax, router and the residual stream stay f32 in every row.
 */
public enum Precision {
    FP32(DType.F32, false, DType.F32),
    BF16(DType.BF16, true, DType.BF16),
    FP16(DType.F16, false, DType.F16);

    public final DType weightDtype;
    public final boolean roundActivations;
    public final DType kvCacheDtype;

    Precision(DType weightDtype, boolean roundActivations, DType kvCacheDtype) {
        this.weightDtype = weightDtype;
        this.roundActivations = roundActivations;
        this.kvCacheDtype = kvCacheDtype;
    }

    public static Precision of(DType dtype) {
        for (Precision p : values()) {
            if (p.weightDtype == dtype) return p;
        }
        throw new IllegalArgumentException("no precision for " + dtype);
    }

    public DType dtype() {
        return weightDtype;
    }
}
