package org.tramontane.quant;

/**
 * Plain-Java reference of the W8A8 dynamic linear, the one the native kernels are tested
 * against: per token row x, {@code s = max_k |x_k| / 127}, {@code xq = clamp(round(x / s), -127, 127)},
 * {@code acc[n] = sum_k xq_k * Wq[n,k]} (exact int32), {@code y[n] = (float(acc[n]) * weightScale[n]) * s},
 * each multiplication rounded to float32 in that order; no bias. A row of zeros gives s = 0,
 * xq = 0, y = 0. Written for clarity, not speed.
 */
public final class ActivationQuantizer {
    private ActivationQuantizer() {}

    /**
     * Quantizes one token row {@code x[xOff .. xOff+len)} into {@code xq[xqOff..]} and returns its
     * scale s (0 for a row of zeros). A NaN or infinity in the row is an IllegalArgumentException.
     */
    public static float quantizeRow(float[] x, int xOff, int len, byte[] xq, int xqOff) {
        float absMax = 0f;
        for (int k = 0; k < len; k++) {
            float v = x[xOff + k];
            if (!Float.isFinite(v)) throw new IllegalArgumentException("activation " + k + " is " + v);
            absMax = Math.max(absMax, Math.abs(v));
        }
        float s = Int8Rounding.scaleOf(absMax);
        for (int k = 0; k < len; k++) xq[xqOff + k] = Int8Rounding.quantize(x[xOff + k], s);
        return s;
    }

    /** {@code sum_k a[aOff+k] * b[bOff+k]}, exact (|sum| <= 127 * 127 * len fits int32 for len < 133144). */
    public static int dot(byte[] a, int aOff, byte[] b, int bOff, int len) {
        int acc = 0;
        for (int k = 0; k < len; k++) acc += a[aOff + k] * b[bOff + k];
        return acc;
    }

    /** {@code (float(acc) * weightScale) * tokenScale}, each product rounded to float32. */
    public static float dequantize(int acc, float weightScale, float tokenScale) {
        float partial = (float) acc * weightScale;
        return partial * tokenScale;
    }

    /**
     * y = x Wq^T dequantized, every token row quantized on its own.
     *
     * @param x           [numTokens, inFeatures]
     * @param weight      int8 [outFeatures, inFeatures]
     * @param weightScale [outFeatures]
     * @param y           [numTokens, outFeatures], overwritten
     */
    public static void linear(float[] x, int numTokens, byte[] weight, float[] weightScale,
                              int outFeatures, int inFeatures, float[] y) {
        if (x.length < (long) numTokens * inFeatures || y.length < (long) numTokens * outFeatures
                || weight.length != (long) outFeatures * inFeatures || weightScale.length != outFeatures) {
            throw new IllegalArgumentException("array sizes do not fit numTokens " + numTokens + ", [" + outFeatures
                    + ", " + inFeatures + "]");
        }
        byte[] xq = new byte[inFeatures];
        for (int t = 0; t < numTokens; t++) {
            float s = quantizeRow(x, t * inFeatures, inFeatures, xq, 0);
            for (int n = 0; n < outFeatures; n++) {
                int acc = dot(xq, 0, weight, n * inFeatures, inFeatures);
                y[t * outFeatures + n] = dequantize(acc, weightScale[n], s);
            }
        }
    }
}
