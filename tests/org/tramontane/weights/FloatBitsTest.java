package org.tramontane.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tramontane.config.DType;

class FloatBitsTest {
    @Test
    void f16RoundTripsEveryBitPattern() {
        for (int h = 0; h < 0x10000; h++) {
            int bits = h;
            float f = FloatBits.f16ToFloat((short) h);
            boolean nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
            if (nan) {
                assertTrue(Float.isNaN(f));
                assertTrue(Float.isNaN(FloatBits.f16ToFloat(FloatBits.floatToF16(f))));
            } else {
                assertEquals(h, FloatBits.floatToF16(f) & 0xffff, () -> Integer.toHexString(bits));
            }
        }
    }

    @Test
    void f16RoundingCases() {
        assertEquals(0x3c00, FloatBits.floatToF16(1.0f) & 0xffff);
        assertEquals(0x7bff, FloatBits.floatToF16(65504f) & 0xffff);
        assertEquals(0x7bff, FloatBits.floatToF16(65519.99f) & 0xffff);
        assertEquals(0x7c00, FloatBits.floatToF16(65520f) & 0xffff);
        // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even gives 1
        assertEquals(0x3c00, FloatBits.floatToF16(1f + 0x1p-11f) & 0xffff);
        assertEquals(0x3c02, FloatBits.floatToF16(1f + 3 * 0x1p-11f) & 0xffff);
        assertEquals(0x0001, FloatBits.floatToF16(0x1p-24f) & 0xffff);
        assertEquals(0x0000, FloatBits.floatToF16(0x1p-25f) & 0xffff);
        assertEquals(0x0001, FloatBits.floatToF16(0x1.0001p-25f) & 0xffff);
        assertEquals(0x0400, FloatBits.floatToF16(0x1p-14f) & 0xffff);
        assertEquals(0x8000, FloatBits.floatToF16(-0f) & 0xffff);
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals(0x3f80, FloatBits.floatToBf16(1.0f) & 0xffff);
        assertEquals(0x3f80, FloatBits.floatToBf16(Float.intBitsToFloat(0x3f808000)) & 0xffff);
        assertEquals(0x3f82, FloatBits.floatToBf16(Float.intBitsToFloat(0x3f818000)) & 0xffff);
        assertEquals(0x3f81, FloatBits.floatToBf16(Float.intBitsToFloat(0x3f808001)) & 0xffff);
        assertEquals(0x7f80, FloatBits.floatToBf16(Float.MAX_VALUE) & 0xffff);
        assertTrue(Float.isNaN(FloatBits.bf16ToFloat(FloatBits.floatToBf16(Float.intBitsToFloat(0x7f800001)))));
        assertEquals(1.0f, FloatBits.bf16ToFloat((short) 0x3f80));
    }

    private static final List<String> SAMPLE = List.of(
            MixtralWeightNames.embedTokens(), MixtralWeightNames.qProj(0), MixtralWeightNames.router(1),
            MixtralWeightNames.expertW2(1, 3), MixtralWeightNames.finalNorm(), MixtralWeightNames.lmHead());

    /** tiny-mixtral-bf16 holds tiny-mixtral's float32 draws rounded to nearest even. */
    @Test
    void bf16FixtureIsRoundedF32Fixture() {
        Checkpoint f32 = Checkpoint.open(Fixtures.dir("tiny-mixtral"));
        Checkpoint bf16 = Checkpoint.open(Fixtures.dir("tiny-mixtral-bf16"));
        for (String name : SAMPLE) {
            TensorInfo b = bf16.tensor(name);
            assertEquals(DType.BF16, b.dtype());
            assertEquals(f32.tensor(name).shape(), b.shape());
            float[] wide = f32.readFloats(f32.tensor(name));
            float[] narrow = bf16.readFloats(b);
            for (int i = 0; i < wide.length; i++) {
                float expect = FloatBits.bf16ToFloat(FloatBits.floatToBf16(wide[i]));
                if (Float.floatToRawIntBits(expect) != Float.floatToRawIntBits(narrow[i])) {
                    assertEquals(expect, narrow[i], name + "[" + i + "]");
                }
            }
        }
    }

    /** tiny-mixtral-swa holds the same draws as F16 (sharded). */
    @Test
    void f16FixtureIsRoundedF32Fixture() {
        Checkpoint f32 = Checkpoint.open(Fixtures.dir("tiny-mixtral"));
        Checkpoint f16 = Checkpoint.open(Fixtures.dir("tiny-mixtral-swa"));
        for (String name : SAMPLE) {
            TensorInfo h = f16.tensor(name);
            assertEquals(DType.F16, h.dtype());
            float[] wide = f32.readFloats(f32.tensor(name));
            float[] narrow = f16.readFloats(h);
            for (int i = 0; i < wide.length; i++) {
                float expect = FloatBits.f16ToFloat(FloatBits.floatToF16(wide[i]));
                if (Float.floatToRawIntBits(expect) != Float.floatToRawIntBits(narrow[i])) {
                    assertEquals(expect, narrow[i], name + "[" + i + "]");
                }
            }
        }
    }
}
