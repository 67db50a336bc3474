package org.tramontane.backend.ascend;

import org.tramontane.config.DType;

/**
 * The cos / sin tables [positions, headDim] that Rope gathers by position, in the compute dtype, as
 * HF computes them (f32 inv_freq, f32 angles). Grown to the next power of two (at least 256
 * positions) when a step reaches past them; remade when theta or headDim changes.
 */
final class RopeTables {
    private final AscendDevice device;
    private final DType computeDtype;
    private AscendTensor cos;
    private AscendTensor sin;
    private int positions;
    private float theta;

    RopeTables(AscendDevice device, DType computeDtype) {
        this.device = device;
        this.computeDtype = computeDtype;
    }

    /** Tables covering positions [0, needed) for this headDim and theta. */
    void ensure(int needed, int headDim, float theta) {
        if (cos != null && needed <= positions && theta == this.theta && cos.shape()[1] == headDim) return;
        int n = Math.max(256, Integer.highestOneBit(Math.max(1, needed - 1)) << 1);
        float[] c = new float[n * headDim];
        float[] s = new float[n * headDim];
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float invFreq = (float) (1.0 / Math.pow(theta, (float) (2 * i) / headDim));
            for (int p = 0; p < n; p++) {
                float angle = (float) p * invFreq;
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                c[p * headDim + i] = cv;
                c[p * headDim + i + half] = cv;
                s[p * headDim + i] = sv;
                s[p * headDim + i + half] = sv;
            }
        }
        if (cos != null) {
            device.free(cos);
            device.free(sin);
        }
        cos = toCompute(c, n, headDim);
        sin = toCompute(s, n, headDim);
        positions = n;
        this.theta = theta;
    }

    AscendTensor cos() {
        return cos;
    }

    AscendTensor sin() {
        return sin;
    }

    /** How many positions the tables hold. */
    int positions() {
        return positions;
    }

    private AscendTensor toCompute(float[] values, long rows, long cols) {
        AscendTensor f = device.alloc(DType.F32, rows, cols);
        try {
            device.run("aclrtMemcpy(H2D)", () -> AscendNative.tna_upload(device.handle(), f.address(), values,
                    4L * values.length));
            AscendTensor out = device.alloc(computeDtype, rows, cols);
            device.run("Elewise(CAST)", () -> AscendNative.tna_cast(device.handle(), f.address(), AscendNative.ACL_FLOAT,
                    out.address(), AscendTensors.aclType(computeDtype), values.length));
            return out;
        } finally {
            device.free(f);
        }
    }
}
