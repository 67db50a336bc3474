package org.tramontane.quant;

/**
 * The one rounding rule of both int8 schemes: {@code clamp(roundHalfAwayFromZero(v / scale), -127, 127)}
 * with the division in float32 and the rounding exact (truncate, then compare the exact
 * fractional part with 0.5; never "+0.5 then floor", which rounds 0.49999997 up). A zero scale
 * (a row of zeros, or one so small that max/127 underflows) gives 0: its dequantized value is 0
 * whatever the integer.
 */
public final class Int8Rounding {
    private Int8Rounding() {}

    public static final int QMAX = 127;

    /** Symmetric scale of a row whose largest magnitude is {@code absMax}: float32 absMax / 127. */
    public static float scaleOf(float absMax) {
        return absMax / QMAX;
    }

    /** {@code clamp(roundHalfAwayFromZero(v / scale), -127, 127)}; 0 when scale is 0. */
    public static byte quantize(float v, float scale) {
        if (scale == 0f) return 0;
        return clampRound(v / scale);
    }

    /** Round half away from zero, then clamp to [-127, 127]; v must not be NaN. */
    public static byte clampRound(float v) {
        if (Float.isNaN(v)) throw new IllegalArgumentException("NaN has no int8 value");
        if (v >= QMAX) return QMAX;
        if (v <= -QMAX) return -QMAX;
        int t = (int) v; // truncation toward zero; exact since |v| < 127
        float frac = v - t; // exact: v and t share the exponent range, and t holds v's integer bits
        if (frac >= 0.5f) t++;
        else if (frac <= -0.5f) t--;
        return (byte) t;
    }
}
