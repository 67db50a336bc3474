package org.tramontane.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;
import org.tramontane.config.DType;

/**
 * Exact conversions between float32 and the 16-bit float formats, done on bit patterns because
 * Java 17 has no half-precision type ({@code Float.float16ToFloat} arrived in Java 20). Widening
 * is exact; narrowing rounds to nearest, ties to even, as PyTorch's {@code .to(bfloat16/float16)}
 * does, so a converter reproduces the checkpoints HF tools write.
 */
public final class FloatBits {
    private FloatBits() {}

    /** Widens one little-endian element at the buffer's position; advances the buffer. */
    private interface Widener {
        float next(ByteBuffer src);
    }

    /** The float dtypes readable as float32; I8 is absent on purpose (it needs its scale). */
    private static final Map<DType, Widener> WIDENERS = new EnumMap<>(DType.class);

    static {
        WIDENERS.put(DType.F32, ByteBuffer::getFloat);
        WIDENERS.put(DType.F16, b -> f16ToFloat(b.getShort()));
        WIDENERS.put(DType.BF16, b -> bf16ToFloat(b.getShort()));
    }

    /** Writes one float as a little-endian element at the buffer's position; advances the buffer. */
    private interface Narrower {
        void put(ByteBuffer dst, float value);
    }

    /** The float dtypes float32 rounds to (round to nearest even, as PyTorch's {@code .to()}). */
    private static final Map<DType, Narrower> NARROWERS = new EnumMap<>(DType.class);

    static {
        NARROWERS.put(DType.F32, ByteBuffer::putFloat);
        NARROWERS.put(DType.F16, (b, v) -> b.putShort(floatToF16(v)));
        NARROWERS.put(DType.BF16, (b, v) -> b.putShort(floatToBf16(v)));
    }

    /** Whether {@link #widen} accepts this dtype. */
    public static boolean widensToFloat(DType dtype) {
        return WIDENERS.containsKey(dtype);
    }

    /** Fills {@code dst} from {@code dst.length} little-endian elements of {@code dtype} in {@code src}. */
    public static void widen(DType dtype, ByteBuffer src, float[] dst) {
        Widener w = WIDENERS.get(dtype);
        if (w == null) throw new IllegalArgumentException(dtype + " does not widen to float");
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < dst.length; i++) dst[i] = w.next(b);
    }

    /**
     * Writes {@code count} elements of {@code src} as little-endian {@code dtype} at {@code dst}'s
     * position, rounding to nearest even; advances {@code dst}.
     */
    public static void narrow(DType dtype, float[] src, int count, ByteBuffer dst) {
        Narrower n = NARROWERS.get(dtype);
        if (n == null) throw new IllegalArgumentException(dtype + " is not a float dtype to round to");
        ByteOrder order = dst.order();
        dst.order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) n.put(dst, src[i]);
        dst.order(order);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Round to nearest even; NaN stays NaN (made quiet so truncation cannot turn it into infinity). */
    public static short floatToBf16(float value) {
        int f = Float.floatToRawIntBits(value);
        if ((f & 0x7fffffff) > 0x7f800000) {
            return (short) ((f >>> 16) | 0x0040);
        }
        int lsb = (f >>> 16) & 1;
        return (short) ((f + 0x7fff + lsb) >>> 16);
    }

    public static float f16ToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exact in float32
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Round to nearest even, overflow to infinity, gradual underflow to f16 subnormals. */
    public static short floatToF16(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int abs = f & 0x7fffffff;
        if (abs >= 0x7f800000) {
            if (abs == 0x7f800000) return (short) (sign | 0x7c00);
            return (short) (sign | 0x7e00 | ((abs >>> 13) & 0x3ff));
        }
        if (abs >= 0x477ff000) {
            // 65520 is halfway between 65504 (odd mantissa) and 65536: ties to even go to infinity
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x38800000) {
            // below 2^-14: an f16 subnormal, counted in units of 2^-24
            if (abs <= 0x33000000) return (short) sign; // <= 2^-25 rounds to zero (2^-25 is a tie to even 0)
            int e = abs >>> 23;
            int m = (abs & 0x7fffff) | 0x800000;
            int shift = 126 - e;
            int r = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (rem > half || (rem == half && (r & 1) == 1)) r++;
            return (short) (sign | r);
        }
        int h = (abs - 0x38000000) >>> 13;
        int rem = abs & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1)) h++;
        return (short) (sign | h);
    }
}
