package org.tramontane.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class WeightQuantizerTest {

    private static JsonNode cases() {
        return QuantFixtures.json(QuantFixtures.dir("tiny-mixtral-w8a8").resolve("quant_cases.json"));
    }

    @Test
    void roundsHalfAwayFromZeroExactly() {
        assertEquals(3, Int8Rounding.clampRound(2.5f));
        assertEquals(-3, Int8Rounding.clampRound(-2.5f));
        assertEquals(1, Int8Rounding.clampRound(0.5f));
        assertEquals(-1, Int8Rounding.clampRound(-0.5f));
        assertEquals(0, Int8Rounding.clampRound(0.49999997f)); // "+0.5 then floor" gives 1 here
        assertEquals(0, Int8Rounding.clampRound(-0.49999997f));
        assertEquals(2, Int8Rounding.clampRound(1.5f));
        assertEquals(2, Int8Rounding.clampRound(2.4999998f));
        assertEquals(127, Int8Rounding.clampRound(126.5f));
        assertEquals(-127, Int8Rounding.clampRound(-126.5f));
        assertEquals(127, Int8Rounding.clampRound(1e9f));
        assertEquals(-127, Int8Rounding.clampRound(Float.NEGATIVE_INFINITY));
        assertEquals(0, Int8Rounding.clampRound(-0f));
        assertThrows(IllegalArgumentException.class, () -> Int8Rounding.clampRound(Float.NaN));
    }

    @Test
    void reproducesEveryWeightCaseBitForBit() {
        JsonNode weights = cases().get("weights");
        assertEquals(2, weights.size());
        for (JsonNode c : weights) {
            String what = c.get("source").asText();
            int out = c.get("shape").get(0).asInt();
            int in = c.get("shape").get(1).asInt();
            float[] w = QuantFixtures.floats(c.get("w_float32"));
            WeightQuantizer.QuantizedMatrix q = WeightQuantizer.quantize(w, out, in);
            float[] expectedScale = QuantFixtures.floats(c.get("weight_scale"));
            for (int n = 0; n < out; n++) {
                assertEquals(Float.floatToRawIntBits(expectedScale[n]), Float.floatToRawIntBits(q.scale()[n]),
                        what + " scale of row " + n);
            }
            assertArrayEquals(QuantFixtures.int8s(c.get("weight_int8")), q.weight(), what + " int8 values");

            // the fixture's tie counts hold for our float32 quotients, so the ties above were really exercised
            int ties = 0;
            int differUnderHalfEven = 0;
            for (int i = 0; i < w.length; i++) {
                float v = w[i] / q.scale()[i / in];
                if (Math.abs(v) < 127 && Math.abs(v - (int) v) == 0.5f) ties++;
                byte halfEven = (byte) Math.max(-127, Math.min(127, Math.rint(v)));
                if (halfEven != q.weight()[i]) differUnderHalfEven++;
            }
            assertEquals(c.get("exact_ties").asInt(), ties, what + " exact ties");
            assertEquals(c.get("entries_that_differ_under_half_even").asInt(), differUnderHalfEven, what);
        }
    }

    /** The float32 division is the golden's: double division or a float32 reciprocal each miss a few values. */
    @Test
    void float32DivisionIsTheOneThatMatches() {
        int doubleMisses = 0;
        int reciprocalMisses = 0;
        for (JsonNode c : cases().get("weights")) {
            int in = c.get("shape").get(1).asInt();
            float[] w = QuantFixtures.floats(c.get("w_float32"));
            byte[] expected = QuantFixtures.int8s(c.get("weight_int8"));
            float[] scale = QuantFixtures.floats(c.get("weight_scale"));
            for (int i = 0; i < w.length; i++) {
                float s = scale[i / in];
                double d = (double) w[i] / s;
                long viaDouble = Math.max(-127, Math.min(127, (long) (Math.abs(d) - Math.floor(Math.abs(d)) >= 0.5
                        ? Math.signum(d) * Math.ceil(Math.abs(d)) : Math.signum(d) * Math.floor(Math.abs(d)))));
                if (viaDouble != expected[i]) doubleMisses++;
                if (Int8Rounding.clampRound(w[i] * (1f / s)) != expected[i]) reciprocalMisses++;
            }
        }
        assertTrue(doubleMisses > 0, "double division should differ from the golden on some tie");
        assertTrue(reciprocalMisses > 0, "reciprocal multiplication should differ from the golden somewhere");
    }

    @Test
    void zeroRowHasScaleZeroAndZeroValues() {
        float[] w = {0f, 0f, 0f, -0f, 1f, -2f, 0.5f, 0f};
        WeightQuantizer.QuantizedMatrix q = WeightQuantizer.quantize(w, 2, 4);
        assertEquals(0f, q.scale()[0]);
        assertEquals(2f / 127, q.scale()[1]);
        assertArrayEquals(new byte[] {0, 0, 0, 0, 64, -127, 32, 0}, q.weight());
    }

    @Test
    void nonFiniteWeightNamesItsRow() {
        float[] w = {1f, 2f, 3f, Float.NaN};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightQuantizer.quantize(w, 2, 2));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    }
}
