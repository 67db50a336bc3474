package org.tramontane.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class ActivationQuantizerTest {

    @Test
    void reproducesEveryActivationCaseExactly() {
        JsonNode a = QuantFixtures.json(QuantFixtures.dir("tiny-mixtral-w8a8").resolve("quant_cases.json"))
                .get("activations");
        JsonNode wRows = a.get("weight_int8");
        int out = wRows.size();
        int in = wRows.get(0).size();
        byte[] wq = new byte[out * in];
        for (int n = 0; n < out; n++) System.arraycopy(QuantFixtures.int8s(wRows.get(n)), 0, wq, n * in, in);
        float[] wScale = QuantFixtures.floats(a.get("weight_scale"));
        float[] expectedS = QuantFixtures.floats(a.get("s_t"));
        int numTokens = a.get("x").size();
        assertEquals(4, numTokens);

        float[] allX = new float[numTokens * in];
        float[] expectedY = new float[numTokens * out];
        for (int t = 0; t < numTokens; t++) {
            float[] x = QuantFixtures.floats(a.get("x").get(t));
            System.arraycopy(x, 0, allX, t * in, in);
            byte[] xq = new byte[in];
            float s = ActivationQuantizer.quantizeRow(x, 0, in, xq, 0);
            assertBits(expectedS[t], s, "s_t of row " + t);
            assertArrayEquals(QuantFixtures.int8s(a.get("x_int8").get(t)), xq, "x_int8 of row " + t);
            float[] expectedRowY = QuantFixtures.floats(a.get("y").get(t));
            for (int n = 0; n < out; n++) {
                int acc = ActivationQuantizer.dot(xq, 0, wq, n * in, in);
                assertEquals(a.get("acc_int32").get(t).get(n).asInt(), acc, "acc of row " + t + " channel " + n);
                assertBits(expectedRowY[n], ActivationQuantizer.dequantize(acc, wScale[n], s), "y[" + t + "][" + n + "]");
                expectedY[t * out + n] = expectedRowY[n];
            }
        }

        float[] y = new float[numTokens * out];
        ActivationQuantizer.linear(allX, numTokens, wq, wScale, out, in, y);
        for (int i = 0; i < y.length; i++) assertBits(expectedY[i], y[i], "linear() y[" + i + "]");
    }

    @Test
    void multipliesWeightScaleFirstThenTokenScale() {
        // the three orders give three different float32 results for these values
        int acc = 12345;
        float ws = 0.1f;
        float s = 0.7f;
        assertNotEquals(((float) acc * ws) * s, (float) acc * (ws * s));
        assertNotEquals(((float) acc * ws) * s, ((float) acc * s) * ws);
        assertBits(864.14996f, ActivationQuantizer.dequantize(acc, ws, s), "dequantize order");
    }

    private static void assertBits(float expected, float actual, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                what + ": expected " + expected + ", got " + actual);
    }
}
