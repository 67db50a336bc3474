package org.tramontane.quant;

import java.util.Objects;

/**
 * Symmetric per-output-channel int8 of a float32 row-major weight [outFeatures, inFeatures]
 * (msModelSlim's w_sym, per channel, data-free min-max):
 * {@code scale[n] = max_k |W[n,k]| / 127} and {@code Wq[n,k] = clamp(round(W[n,k] / scale[n]), -127, 127)},
 * all in float32, rounding half away from zero ({@link Int8Rounding}). The float32 division
 * matters: dividing in double, or multiplying by the float32 reciprocal, changes a few of the
 * fixture's ties (quant_cases.json).
 */
public final class WeightQuantizer {
    private WeightQuantizer() {}

    /** A whole quantized matrix: weight [outFeatures, inFeatures] row-major, scale [outFeatures]. */
    public record QuantizedMatrix(int outFeatures, int inFeatures, byte[] weight, float[] scale) {
        public QuantizedMatrix {
            Objects.requireNonNull(weight, "weight");
            Objects.requireNonNull(scale, "scale");
            if (weight.length != (long) outFeatures * inFeatures || scale.length != outFeatures) {
                throw new IllegalArgumentException("weight " + weight.length + " / scale " + scale.length
                        + " do not fit [" + outFeatures + ", " + inFeatures + "]");
            }
        }
    }

    /** Quantizes {@code w} [outFeatures, inFeatures]; throws IllegalArgumentException naming the row of a NaN or infinity. */
    public static QuantizedMatrix quantize(float[] w, int outFeatures, int inFeatures) {
        if (w.length != (long) outFeatures * inFeatures) {
            throw new IllegalArgumentException(w.length + " values do not fit [" + outFeatures + ", " + inFeatures + "]");
        }
        byte[] q = new byte[w.length];
        float[] scale = new float[outFeatures];
        for (int n = 0; n < outFeatures; n++) {
            scale[n] = quantizeRow(w, n * inFeatures, inFeatures, q, n * inFeatures, n);
        }
        return new QuantizedMatrix(outFeatures, inFeatures, q, scale);
    }

    /**
     * Quantizes the {@code len} values of one output channel at {@code w[wOff..]} into
     * {@code q[qOff..]} and returns the channel's scale (0 for a row of zeros, whose values are 0).
     *
     * @param rowIdx the row's index, for the message when it holds a NaN or infinity
     */
    public static float quantizeRow(float[] w, int wOff, int len, byte[] q, int qOff, long rowIdx) {
        float absMax = 0f;
        for (int k = 0; k < len; k++) {
            float v = w[wOff + k];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("row " + rowIdx + " column " + k + " holds " + v);
            }
            absMax = Math.max(absMax, Math.abs(v));
        }
        float scale = Int8Rounding.scaleOf(absMax);
        for (int k = 0; k < len; k++) q[qOff + k] = Int8Rounding.quantize(w[wOff + k], scale);
        return scale;
    }
}
