package org.tramontane.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.config.ActivationQuant;
import org.tramontane.config.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.Isa;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.config.Precision;
import org.tramontane.quant.ActivationQuantizer;
import org.tramontane.quant.WeightQuantizer;
import org.tramontane.testing.Fixtures;

/**
 * The int8 linears against the plain Java references of the quant package, on every ISA level
 * this CPU has: W8A8 bit for bit (integer math is exact), W8A16 to float tolerance.
 */
class CpuQuantKernelsTest {
    private final CpuBackend b = new CpuBackend(Precision.FP32);
    private final Random rnd = new Random(7);

    static Stream<Isa> isaLevels() {
        return CpuPlatform.get().supportedIsas().stream();
    }

    @AfterEach
    void restore() {
        CpuPlatform.get().forceIsa(CpuPlatform.get().highestIsa());
        b.close();
    }

    private DeviceTensor f32(float[] v, long... shape) {
        DeviceTensor t = b.allocate(DType.F32, shape);
        b.write(t, v);
        return t;
    }

    /** An int8 weight [n, k] packed four bytes per int32 for the host copy. */
    private DeviceTensor i8(byte[] w, long... shape) {
        DeviceTensor t = b.allocate(DType.I8, shape);
        int[] packed = new int[(w.length + 3) / 4];
        for (int i = 0; i < w.length; i++) packed[i / 4] |= (w[i] & 0xff) << (8 * (i % 4));
        DeviceTensor staging = b.allocate(DType.I32, packed.length);
        b.write(staging, packed);
        org.bytedeco.javacpp.Pointer.memcpy(new RawView(((CpuTensor) t).addr()), new RawView(((CpuTensor) staging).addr()),
                w.length);
        return t;
    }

    /** A quantized weight, handed to forLinear (the int8 panel layout, when k is even) when asked. */
    private DeviceTensor q8(byte[] w, DeviceTensor scale, ActivationQuant a, boolean panels, long... shape) {
        DeviceTensor q = b.quantizedWeight(i8(w, shape), scale, a);
        return panels ? b.forLinear(q) : q;
    }

    private static final class RawView extends org.bytedeco.javacpp.Pointer {
        RawView(long address) {
            this.address = address;
        }
    }

    private float[] read(DeviceTensor t) {
        float[] v = new float[(int) t.numElements()];
        b.read(t, v);
        return v;
    }

    private float[] randn(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian() * scale;
        return v;
    }

    @ParameterizedTest
    @MethodSource("isaLevels")
    void w8a8ReproducesTheFixtureVectorsBitForBit(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        JsonNode a = Fixtures.json(Fixtures.dir("tiny-mixtral-w8a8").resolve("quant_cases.json")).get("activations");
        int rows = a.get("x").size(), k = a.get("x").get(0).size(), n = a.get("weight_int8").size();
        float[] x = new float[rows * k];
        for (int r = 0; r < rows; r++) System.arraycopy(Fixtures.floats(a.get("x").get(r)), 0, x, r * k, k);
        byte[] w = new byte[n * k];
        for (int j = 0; j < n; j++) {
            int[] row = Fixtures.ints(a.get("weight_int8").get(j));
            for (int i = 0; i < k; i++) w[j * k + i] = (byte) row[i];
        }
        float[] scale = Fixtures.floats(a.get("weight_scale"));
        DeviceTensor wt = b.quantizedWeight(i8(w, n, k), f32(scale, n), ActivationQuant.INT8_PER_TOKEN);
        DeviceTensor out = b.allocate(DType.F32, rows, n);
        b.linear(f32(x, rows, k), wt, out);
        float[] got = read(out);
        for (int r = 0; r < rows; r++) {
            float[] want = Fixtures.floats(a.get("y").get(r));
            for (int j = 0; j < n; j++) {
                assertEquals(Float.floatToIntBits(want[j]), Float.floatToIntBits(got[r * n + j]),
                        "isa " + isa + " y[" + r + "][" + j + "] want " + want[j] + " got " + got[r * n + j]);
            }
        }
    }

    /**
     * Bit for bit the Java reference: one row (one dot per output), 2-70 rows (tiles of weight rows x
     * activation rows with remainders, chunks past 16 and 64 rows), k with 16-element tails.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void w8a8AndW8a16MatchTheJavaReference(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        for (int[] mkn : new int[][] {{1, 64, 40}, {5, 131, 17}, {3, 1000, 9}, {2, 7, 3}, {17, 50, 35}, {70, 33, 66},
                {4, 66, 48}, {40, 100, 32}, {7, 2, 16}}) {
            int m = mkn[0], k = mkn[1], n = mkn[2];
            float[] wf = randn(n * k, 0.05f);
            WeightQuantizer.QuantizedMatrix q = WeightQuantizer.quantize(wf, n, k);
            float[] x = randn(m * k, 1f);
            if (m > 2) java.util.Arrays.fill(x, k, 2 * k, 0f); // a zero row: scale 0, output 0
            float[] want = new float[m * n];
            ActivationQuantizer.linear(x, m, q.weight(), q.scale(), n, k, want);
            DeviceTensor xt = f32(x, m, k);
            DeviceTensor w8 = i8(q.weight(), n, k);
            DeviceTensor s = f32(q.scale(), n);
            DeviceTensor out = b.allocate(DType.F32, m, n);
            b.linear(xt, b.quantizedWeight(w8, s, ActivationQuant.INT8_PER_TOKEN), out);
            float[] got = read(out);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "w8a8 isa " + isa + " [" + i + "]");
            }
            b.linear(xt, q8(q.weight(), s, ActivationQuant.INT8_PER_TOKEN, true, n, k), out);
            got = read(out);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                        "w8a8 panels isa " + isa + " mkn " + m + "," + k + "," + n + " [" + i + "]");
            }
            // W8A16: float input times the dequantized weight
            b.linear(xt, b.quantizedWeight(w8, s, ActivationQuant.NONE), out);
            got = read(out);
            for (int r = 0; r < m; r++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int i = 0; i < k; i++) acc += (double) x[r * k + i] * q.weight()[j * k + i];
                    double ref = acc * q.scale()[j];
                    assertEquals(ref, got[r * n + j], 1e-5 * Math.sqrt(k) * Math.max(1, Math.abs(ref)), "w8a16 isa " + isa);
                }
            }
        }
    }

    /**
     * A checkpoint's int8 weights may use the whole byte range, -128 included (our quantizer stops at
     * -127): the decode kernels (one and two activation rows, two weight streams, 32-byte rounds
     * with 16-element and scalar tails) stay bit for bit the Java reference.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void w8a8FullByteRangeWeightsMatchTheJavaReference(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        java.util.Random rnd = new java.util.Random(128);
        for (int[] mkn : new int[][] {{1, 1000, 37}, {2, 85, 9}, {1, 48, 2}, {3, 64, 5}, {3, 200, 48}, {8, 64, 16},
                {13, 1000, 33}}) {
            int m = mkn[0], k = mkn[1], n = mkn[2];
            byte[] w = new byte[n * k];
            rnd.nextBytes(w);
            for (int i = 0; i < w.length; i += 7) w[i] = Byte.MIN_VALUE;
            float[] scale = new float[n];
            for (int j = 0; j < n; j++) scale[j] = 0.001f * (1 + j);
            float[] x = randn(m * k, 1f);
            float[] want = new float[m * n];
            ActivationQuantizer.linear(x, m, w, scale, n, k, want);
            DeviceTensor out = b.allocate(DType.F32, m, n);
            for (boolean panels : new boolean[] {false, true}) {
                b.linear(f32(x, m, k), q8(w, f32(scale, n), ActivationQuant.INT8_PER_TOKEN, panels, n, k), out);
                float[] got = read(out);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                            "isa " + isa + " panels " + panels + " m " + m + " k " + k + " [" + i + "]");
                }
            }
        }
    }

    /**
     * Per-token quantization on every ISA level, bit for bit the Java reference: rows of 1-70
     * elements (8-lane blocks, 32-element rounds and tails), exact half-way quotients (max |x| = 127
     * makes s = 1: x = +-2.5 must round away from zero), values that clamp, and an all-zero row.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void activationRowsQuantizeLikeTheJavaReference(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        for (int k : new int[] {1, 7, 8, 31, 32, 33, 70, 1024}) {
            int m = 3;
            float[] x = randn(m * k, 3f);
            for (int i = 0; i < k; i++) x[i] = (i % 5 - 2) + 0.5f; // row 0: halves, +-127 sets the scale
            x[0] = 127f;
            if (k > 1) x[k - 1] = -2.5f;
            java.util.Arrays.fill(x, 2 * k, 3 * k, 0f); // row 2: zero, scale 0
            byte[] want = new byte[m * k];
            float[] wantScale = new float[m];
            for (int r = 0; r < m; r++) wantScale[r] = org.tramontane.quant.ActivationQuantizer.quantizeRow(x, r * k, k, want, r * k);
            DeviceTensor xt = f32(x, m, k);
            DeviceTensor q = b.allocate(DType.I8, m, k);
            DeviceTensor sc = b.allocate(DType.F32, m);
            assertEquals(CpuNative.TN_OK, CpuNative.tn_quantize_rows(((CpuTensor) xt).addr(), m, k, ((CpuTensor) q).addr(),
                    ((CpuTensor) sc).addr()));
            float[] gotScale = read(sc);
            byte[] got = new byte[m * k];
            org.bytedeco.javacpp.BytePointer view = new org.bytedeco.javacpp.BytePointer(new RawView(((CpuTensor) q).addr()));
            view.capacity(got.length).limit(got.length);
            view.get(got);
            for (int r = 0; r < m; r++) {
                assertEquals(Float.floatToIntBits(wantScale[r]), Float.floatToIntBits(gotScale[r]), "isa " + isa + " k " + k + " scale " + r);
            }
            for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], "isa " + isa + " k " + k + " [" + i + "]");
        }
    }

    @ParameterizedTest
    @MethodSource("isaLevels")
    void quantizedExpertsMatchPerExpertReference(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        int tokens = 5, hidden = 32, inter = 48, experts = 3, topK = 2;
        float[] x = randn(tokens * hidden, 1f);
        int[] ids = {0, 2, 1, 0, 2, 1, 0, 1, 2, 0};
        float[] rw = {0.6f, 0.4f, 0.7f, 0.3f, 0.5f, 0.5f, 0.9f, 0.1f, 0.2f, 0.8f};
        WeightQuantizer.QuantizedMatrix[] w1 = new WeightQuantizer.QuantizedMatrix[experts];
        WeightQuantizer.QuantizedMatrix[] w3 = new WeightQuantizer.QuantizedMatrix[experts];
        WeightQuantizer.QuantizedMatrix[] w2 = new WeightQuantizer.QuantizedMatrix[experts];
        byte[] s1 = new byte[experts * inter * hidden], s3 = new byte[experts * inter * hidden], s2 = new byte[experts * hidden * inter];
        float[] c1 = new float[experts * inter], c3 = new float[experts * inter], c2 = new float[experts * hidden];
        for (int e = 0; e < experts; e++) {
            w1[e] = WeightQuantizer.quantize(randn(inter * hidden, 0.1f), inter, hidden);
            w3[e] = WeightQuantizer.quantize(randn(inter * hidden, 0.1f), inter, hidden);
            w2[e] = WeightQuantizer.quantize(randn(hidden * inter, 0.1f), hidden, inter);
            System.arraycopy(w1[e].weight(), 0, s1, e * inter * hidden, inter * hidden);
            System.arraycopy(w3[e].weight(), 0, s3, e * inter * hidden, inter * hidden);
            System.arraycopy(w2[e].weight(), 0, s2, e * hidden * inter, hidden * inter);
            System.arraycopy(w1[e].scale(), 0, c1, e * inter, inter);
            System.arraycopy(w3[e].scale(), 0, c3, e * inter, inter);
            System.arraycopy(w2[e].scale(), 0, c2, e * hidden, hidden);
        }
        ActivationQuant a = ActivationQuant.INT8_PER_TOKEN;
        for (boolean panels : new boolean[] {false, true}) {
        ExpertWeights ew = new ExpertWeights(q8(s1, f32(c1, experts, inter), a, panels, experts, inter, hidden),
                q8(s3, f32(c3, experts, inter), a, panels, experts, inter, hidden),
                q8(s2, f32(c2, experts, hidden), a, panels, experts, hidden, inter));
        DeviceTensor idt = b.allocate(DType.I32, tokens, topK);
        b.write(idt, ids);
        DeviceTensor out = b.allocate(DType.F32, tokens, hidden);
        b.moeExperts(f32(x, tokens, hidden), ew, idt, f32(rw, tokens, topK), out);
        float[] got = read(out);
        float[] want = new float[tokens * hidden];
        for (int e = 0; e < experts; e++) {            // experts in index order, as the kernel adds them
            for (int t = 0; t < tokens; t++) {
                for (int j = 0; j < topK; j++) {
                    if (ids[t * topK + j] != e) continue;
                    float[] xt = java.util.Arrays.copyOfRange(x, t * hidden, (t + 1) * hidden);
                    float[] g = new float[inter], u = new float[inter], d = new float[hidden];
                    ActivationQuantizer.linear(xt, 1, w1[e].weight(), w1[e].scale(), inter, hidden, g);
                    ActivationQuantizer.linear(xt, 1, w3[e].weight(), w3[e].scale(), inter, hidden, u);
                    for (int i = 0; i < inter; i++) g[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
                    ActivationQuantizer.linear(g, 1, w2[e].weight(), w2[e].scale(), hidden, inter, d);
                    for (int i = 0; i < hidden; i++) want[t * hidden + i] += d[i] * rw[t * topK + j];
                }
            }
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4, "moe isa " + isa + " panels " + panels + " [" + i + "]");
        }
        }
    }

    /**
     * Many tokens (routed rows over TN_MOE_MAX_ROWS, so several groups of experts run in turn) with
     * hidden / inter sizes off every vector width: each token's output must be bit for bit the one
     * that token gets alone, for W8A8 and W8A16 experts.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void quantizedExpertsBatchedEqualOneTokenAtATime(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        batchedEqualsOneAtATime(isa, 37, 53, false);
        batchedEqualsOneAtATime(isa, 38, 54, true); // even k: W8A8 experts in the int8 panel layout
    }

    private void batchedEqualsOneAtATime(Isa isa, int hidden, int inter, boolean panels) {
        int tokens = 300, experts = 5, topK = 2;
        float[] x = randn(tokens * hidden, 1f);
        java.util.Arrays.fill(x, 7 * hidden, 8 * hidden, 0f); // a zero row: scale 0
        int[] ids = new int[tokens * topK];
        float[] rw = new float[tokens * topK];
        for (int t = 0; t < tokens; t++) {
            int a = rnd.nextInt(experts), c = (a + 1 + rnd.nextInt(experts - 1)) % experts;
            ids[t * topK] = a;
            ids[t * topK + 1] = c;
            rw[t * topK] = rnd.nextFloat();
            rw[t * topK + 1] = 1f - rw[t * topK];
        }
        for (ActivationQuant a : ActivationQuant.values()) {
            WeightQuantizer.QuantizedMatrix q1 = WeightQuantizer.quantize(randn(experts * inter * hidden, 0.1f), experts * inter, hidden);
            WeightQuantizer.QuantizedMatrix q3 = WeightQuantizer.quantize(randn(experts * inter * hidden, 0.1f), experts * inter, hidden);
            WeightQuantizer.QuantizedMatrix q2 = WeightQuantizer.quantize(randn(experts * hidden * inter, 0.1f), experts * hidden, inter);
            ExpertWeights ew = new ExpertWeights(
                    q8(q1.weight(), f32(q1.scale(), experts, inter), a, panels, experts, inter, hidden),
                    q8(q3.weight(), f32(q3.scale(), experts, inter), a, panels, experts, inter, hidden),
                    q8(q2.weight(), f32(q2.scale(), experts, hidden), a, panels, experts, hidden, inter));
            DeviceTensor idt = b.allocate(DType.I32, tokens, topK);
            b.write(idt, ids);
            DeviceTensor out = b.allocate(DType.F32, tokens, hidden);
            b.moeExperts(f32(x, tokens, hidden), ew, idt, f32(rw, tokens, topK), out);
            float[] got = read(out);
            DeviceTensor id1 = b.allocate(DType.I32, 1, topK);
            DeviceTensor out1 = b.allocate(DType.F32, 1, hidden);
            for (int t = 0; t < tokens; t++) {
                b.write(id1, java.util.Arrays.copyOfRange(ids, t * topK, (t + 1) * topK));
                b.moeExperts(f32(java.util.Arrays.copyOfRange(x, t * hidden, (t + 1) * hidden), 1, hidden), ew, id1,
                        f32(java.util.Arrays.copyOfRange(rw, t * topK, (t + 1) * topK), 1, topK), out1);
                float[] one = read(out1);
                for (int i = 0; i < hidden; i++) {
                    assertEquals(Float.floatToIntBits(one[i]), Float.floatToIntBits(got[t * hidden + i]),
                            a + " isa " + isa + " panels " + panels + " token " + t + " [" + i + "]");
                }
            }
        }
    }
}
