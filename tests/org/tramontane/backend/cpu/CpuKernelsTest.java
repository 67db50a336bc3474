package org.tramontane.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.backend.AttentionBatch;
import org.tramontane.backend.AttentionMetadata;
import org.tramontane.config.DType;
import org.tramontane.quant.Int8Rounding;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.Isa;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.KvCache;
import org.tramontane.backend.KvCacheSpec;
import org.tramontane.config.Precision;
import org.tramontane.backend.QkvLayout;

/**
 * Every native operation against a plain Java reference, on every ISA level this CPU has
 * (scalar forced too). Tolerances are relative to the magnitude of the sums involved: the SIMD
 * paths only reorder f32 additions.
 */
class CpuKernelsTest {
    private final CpuBackend b = new CpuBackend(Precision.FP32);
    private final Random rnd = new Random(42);

    static Stream<Isa> isaLevels() {
        return CpuPlatform.get().supportedIsas().stream();
    }

    @AfterEach
    void restore() {
        CpuPlatform.get().forceIsa(CpuPlatform.get().highestIsa());
        b.close();
    }

    private float[] randn(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    private DeviceTensor f32(float[] v, long... shape) {
        DeviceTensor t = b.allocate(DType.F32, shape);
        b.write(t, v);
        return t;
    }

    private DeviceTensor i32(int[] v, long... shape) {
        DeviceTensor t = b.allocate(DType.I32, shape);
        b.write(t, v);
        return t;
    }

    /** The batch of the first n tokens, its metadata computed from them as the model does. */
    private AttentionBatch batch(int n, int numSeqs, int maxBlocks, int[] seqOf, int[] pos, int[] slots, int[] tables) {
        return withMeta(AttentionMetadata.of(Arrays.copyOf(seqOf, n), Arrays.copyOf(pos, n), numSeqs, maxBlocks), seqOf,
                pos, slots, tables);
    }

    /** The batch of metadata m whose per-token device arrays hold the first m.numTokens() entries given. */
    private AttentionBatch withMeta(AttentionMetadata m, int[] seqOf, int[] pos, int[] slots, int[] tables) {
        int n = m.numTokens();
        int s = m.numSeqs();
        return new AttentionBatch(m, i32(Arrays.copyOf(seqOf, n), n), i32(Arrays.copyOf(pos, n), n),
                i32(Arrays.copyOf(slots, n), n), i32(tables, s, m.maxBlocksPerSeq()), i32(m.queryStartLoc(), s + 1),
                i32(m.queryLens(), s), i32(m.seqLens(), s), i32(m.computedLens(), s));
    }

    private float[] read(DeviceTensor t) {
        float[] v = new float[(int) t.numElements()];
        b.read(t, v);
        return v;
    }

    // ---- scalar conversions, mirrored from native/cpu/dtype.h semantics ----

    static float bf16Round(float f) {
        int u = Float.floatToRawIntBits(f);
        u += 0x7fff + ((u >>> 16) & 1);
        return Float.intBitsToFloat(u & 0xffff0000);
    }

    static float f16Round(float f) {
        return halfToFloat(floatToHalf(f));
    }

    /** IEEE binary16 decode, written from the definition (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(int h) {
        int sign = (h & 0x8000) != 0 ? -1 : 1;
        int exp = (h >> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) return mant == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        if (exp == 0) return mant == 0 ? (sign < 0 ? -0f : 0f) : (float) (sign * mant * Math.pow(2, -24));
        return (float) (sign * (1024 + mant) * Math.pow(2, exp - 25));
    }

    /** f32 -> binary16, round half to even via Math.rint on exact doubles. */
    static int floatToHalf(float f) {
        int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0;
        double a = Math.abs((double) f);
        if (Double.isNaN(a)) return 0x7e00;
        if (a < Math.pow(2, -14)) return sign | (int) Math.rint(a * Math.pow(2, 24));
        int e = Math.getExponent(a);
        double m = Math.rint(a / Math.pow(2, e) * 1024);
        if (m == 2048) {
            m = 1024;
            e++;
        }
        if (e > 15) return sign | 0x7c00;
        return sign | ((e + 15) << 10) | ((int) m - 1024);
    }

    /** A weight of the given dtype holding values exactly representable in it; returns its f32 values. */
    private float[] roundTo(DType d, float[] v) {
        float[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = d == DType.BF16 ? bf16Round(r[i]) : d == DType.F16 ? f16Round(r[i]) : r[i];
        }
        return r;
    }

    private DeviceTensor weight(DType d, float[] exact, long... shape) {
        // go through f32 -> d conversion natively: exact values survive unchanged
        DeviceTensor src = f32(exact, shape);
        DeviceTensor dst = b.allocate(d, shape);
        CpuNative.tn_convert(((CpuTensor) src).addr(), DType.F32.code, ((CpuTensor) dst).addr(), d.code, exact.length);
        return dst;
    }

    /** weight(), handed to forLinear (the panel layout) when asked: the linear ops take both. */
    private DeviceTensor weight(DType d, float[] exact, boolean panels, long... shape) {
        DeviceTensor w = weight(d, exact, shape);
        return panels ? b.forLinear(w) : w;
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1.0, Math.abs(expected[i]));
            if (Math.abs(expected[i] - actual[i]) > tol * scale) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    // ---- tests ----

    /** read(src, dst, length): the tensor's first elements into a larger (grow-only) host array. */
    @Test
    void hostReadOfALengthPrefix() {
        DeviceTensor t = b.allocate(DType.F32, 2, 3);
        b.write(t, new float[] {1, 2, 3, 4, 5, 6});
        float[] dst = new float[10];
        Arrays.fill(dst, -1f);
        b.read(t, dst, 4);
        assertArrayEquals(new float[] {1, 2, 3, 4, -1, -1, -1, -1, -1, -1}, dst);
        assertThrows(IllegalArgumentException.class, () -> b.read(t, dst, 7)); // past the tensor
        assertThrows(IndexOutOfBoundsException.class, () -> b.read(t, new float[2], 3)); // past the array
        b.free(t);
    }

    @Test
    void conversionsRoundToNearestEven() {
        float[] v = {1.0f, -2.5f, 3.14159265f, 65504f, 65520f, 1e-8f, 6.0e-5f, -0f, 1.00390625f, 1.01171875f,
                Float.MIN_NORMAL, 3.0e-7f, 1e38f};
        for (DType d : new DType[] {DType.BF16, DType.F16}) {
            DeviceTensor src = f32(v, v.length);
            DeviceTensor mid = b.allocate(d, v.length);
            DeviceTensor back = b.allocate(DType.F32, v.length);
            CpuNative.tn_convert(((CpuTensor) src).addr(), 0, ((CpuTensor) mid).addr(), d.code, v.length);
            CpuNative.tn_convert(((CpuTensor) mid).addr(), d.code, ((CpuTensor) back).addr(), 0, v.length);
            float[] got = read(back);
            for (int i = 0; i < v.length; i++) {
                float want = d == DType.BF16 ? bf16Round(v[i]) : f16Round(v[i]);
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[i]), d + " of " + v[i]);
            }
        }
        // every f16 bit pattern widens exactly
        int[] all = new int[65536];
        for (int i = 0; i < all.length; i++) all[i] = i;
        float[] want = new float[65536];
        for (int i = 0; i < 65536; i++) want[i] = halfToFloat(i);
        int[] packed = new int[32768];
        for (int i = 0; i < 32768; i++) packed[i] = (all[2 * i] & 0xffff) | (all[2 * i + 1] << 16);
        DeviceTensor asInts = b.allocate(DType.I32, 32768);
        b.write(asInts, packed);
        DeviceTensor wide = b.allocate(DType.F32, 65536);
        CpuNative.tn_convert(((CpuTensor) asInts).addr(), DType.F16.code, ((CpuTensor) wide).addr(), 0, 65536);
        float[] got = read(wide);
        for (int i = 0; i < 65536; i++) {
            if (Float.isNaN(want[i])) {
                assertEquals(true, Float.isNaN(got[i]), "NaN " + i);
            } else {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "f16 bits " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("isaLevels")
    void linearAllDtypes(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        for (boolean panels : new boolean[] {false, true})
        for (DType d : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            for (int[] mkn : new int[][] {{1, 64, 96}, {3, 67, 5}, {5, 1, 3}, {2, 250, 31}, {1, 4096, 8}, {4, 3, 16}}) {
                int m = mkn[0], k = mkn[1], n = mkn[2];
                float[] x = randn(m * k);
                float[] w = roundTo(d, randn(n * k));
                DeviceTensor out = b.allocate(DType.F32, m, n);
                b.linear(f32(x, m, k), weight(d, w, panels, n, k), out);
                float[] want = refLinear(x, w, m, k, n);
                assertClose(want, read(out), 1e-5 * Math.sqrt(k),
                        "linear " + d + " panels " + panels + " isa " + isa + " mkn " + m + "," + k + "," + n);
            }
        }
    }

    /** Row counts on both sides of the gemv-tile / packed-GEMM switch, panel and tile tails included. */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void linearTilesAndPackedGemm(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        for (boolean panels : new boolean[] {false, true})
        for (DType d : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            for (int[] mkn : new int[][] {{6, 67, 33}, {7, 16, 5}, {11, 40, 9}, {12, 200, 50}, {13, 67, 17},
                    {40, 130, 70}, {64, 1024, 36}, {100, 33, 96}}) {
                int m = mkn[0], k = mkn[1], n = mkn[2];
                float[] x = randn(m * k);
                float[] w = roundTo(d, randn(n * k));
                DeviceTensor out = b.allocate(DType.F32, m, n);
                b.linear(f32(x, m, k), weight(d, w, panels, n, k), out);
                float[] want = refLinear(x, w, m, k, n);
                assertClose(want, read(out), 1e-5 * Math.sqrt(k),
                        "linear " + d + " panels " + panels + " isa " + isa + " mkn " + m + "," + k + "," + n);
            }
        }
    }

    /**
     * Several activation rows (batched decode: an expert sees 1..~32 tokens): every row count 1..33
     * (up to 4 rows on the multi-row streams while the rows fit L1; from 3 rows the batched tiles of
     * 3 or 4 weight rows in groups of 2-4 activation rows, single-row remainders: k = 3000 takes both;
     * then the packed GEMM with its MR and NR remainders), k with and without a 16-element tail, odd
     * n, on one thread and across the pool.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void linearManyRowTiles(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        for (boolean panels : new boolean[] {false, true})
        for (DType d : new DType[] {DType.BF16, DType.F16, DType.F32}) {
            for (int[] kn : new int[][] {{45, 7}, {1100, 67}, {3000, 9}, {77, 48}}) {
                int k = kn[0], n = kn[1];
                float[] w = roundTo(d, randn(n * k));
                DeviceTensor wt = weight(d, w, panels, n, k);
                for (int m = 1; m <= 33; m++) {
                    float[] x = randn(m * k);
                    DeviceTensor out = b.allocate(DType.F32, m, n);
                    b.linear(f32(x, m, k), wt, out);
                    float[] want = refLinear(x, w, m, k, n);
                    assertClose(want, read(out), 1e-5 * Math.sqrt(k),
                            "linear " + d + " panels " + panels + " isa " + isa + " mkn " + m + "," + k + "," + n);
                }
            }
        }
    }

    /**
     * One activation row (decode): the one-row streaming bf16 kernel with every k tail (64-element
     * rounds, 16-element blocks, single elements) and row counts off the 4-row / 32-row blocks,
     * on one thread and across the pool (n * k above the parallel threshold).
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void linearOneRowStreams(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        for (boolean panels : new boolean[] {false, true})
        for (DType d : new DType[] {DType.BF16, DType.F16, DType.F32}) {
            for (int[] kn : new int[][] {{16, 3}, {15, 5}, {80, 37}, {100, 1}, {1000, 7}, {1041, 130}, {1024, 97},
                    {3584, 45}, {1, 16}, {513, 80}}) {
                int k = kn[0], n = kn[1];
                float[] x = randn(k);
                float[] w = roundTo(d, randn(n * k));
                DeviceTensor out = b.allocate(DType.F32, 1, n);
                b.linear(f32(x, 1, k), weight(d, w, panels, n, k), out);
                float[] want = new float[n];
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int i = 0; i < k; i++) s += (double) x[i] * w[j * k + i];
                    want[j] = (float) s;
                }
                assertClose(want, read(out), 1e-5 * Math.sqrt(k),
                        "linear " + d + " panels " + panels + " isa " + isa + " k,n " + k + "," + n);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("isaLevels")
    void linearBf16RoundsActivations(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        for (int m : new int[] {3, 20}) bf16LinearWithRows(m);
    }

    private void bf16LinearWithRows(int m) {
        try (CpuBackend bf = new CpuBackend(Precision.BF16)) {
            int k = 70, n = 9;
            float[] w = roundTo(DType.BF16, randn(n * k));
            assertBf16Linear(bf, bf16Weight(bf, w, false, n, k), w, m, k, n, 1e-4, "bf16 linear");
        }
    }

    /**
     * x [m, k] random through bf's linear with weight wt (w's exact values, [n, k]) against the
     * product of bf16-rounded activations in double.
     */
    private void assertBf16Linear(CpuBackend bf, DeviceTensor wt, float[] w, int m, int k, int n, double tol,
            String what) {
        float[] x = randn(m * k);
        DeviceTensor xt = bf.allocate(DType.F32, m, k);
        bf.write(xt, x);
        DeviceTensor out = bf.allocate(DType.F32, m, n);
        bf.linear(xt, wt, out);
        float[] got = new float[m * n];
        bf.read(out, got);
        float[] want = new float[m * n];
        for (int r = 0; r < m; r++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int i = 0; i < k; i++) s += (double) bf16Round(x[r * k + i]) * w[j * k + i];
                want[r * n + j] = (float) s;
            }
        assertClose(want, got, tol, what + " isa " + CpuPlatform.get().activeIsa().orElseThrow() + " mkn " + m + "," + k + "," + n);
    }

    /** A bf16 weight of the BF16-mode backend, in the panel layout when asked. */
    private static DeviceTensor bf16Weight(CpuBackend bf, float[] exact, boolean panels, long... shape) {
        DeviceTensor wf = bf.allocate(DType.F32, shape);
        bf.write(wf, exact);
        DeviceTensor wt = bf.allocate(DType.BF16, shape);
        CpuNative.tn_convert(((CpuTensor) wf).addr(), 0, ((CpuTensor) wt).addr(), DType.BF16.code, exact.length);
        return panels ? bf.forLinear(wt) : wt;
    }

    /**
     * bf16 mode on panel-layout weights, the product a bf16 dot-product instruction (vdpbf16ps)
     * takes over from 4 activation rows where the CPU has one: every row count 1..33 and two
     * larger ones, odd and even k (the last column unpaired), n with and without row-major rest
     * rows, on one thread and across the pool; against bf16-rounded activations in double.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void bf16ModeLinearOnPanels(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        try (CpuBackend bf = new CpuBackend(Precision.BF16)) {
            for (int[] kn : new int[][] {{64, 48}, {67, 35}, {1024, 32}, {5, 16}, {1, 16}, {301, 70}}) {
                int k = kn[0], n = kn[1];
                float[] w = roundTo(DType.BF16, randn(n * k));
                DeviceTensor wt = bf16Weight(bf, w, true, n, k);
                for (int m = 1; m <= 100; m = m < 33 ? m + 1 : m + 67) {
                    assertBf16Linear(bf, wt, w, m, k, n, 1e-5 * Math.sqrt(k), "bf16 mode panels");
                }
            }
        }
    }

    /**
     * The MoE in bf16 mode on panel-layout experts (expert groups of 1 to ~150 rows, so both the
     * f32 tiles and, where the CPU has it, the bf16 dot-product kernel run): against HF's bf16
     * order in double, activations rounded at both matmul inputs.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void bf16ModeMoeOnPanels(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        try (CpuBackend bf = new CpuBackend(Precision.BF16)) {
            for (int[] c : new int[][] {{5, 32, 48, 4}, {40, 48, 80, 3}, {300, 32, 35, 4}, {9, 33, 64, 5}}) {
                int tokens = c[0], hidden = c[1], inter = c[2], experts = c[3], topK = 2;
                float[] x = randn(tokens * hidden);
                int[] ids = new int[tokens * topK];
                float[] wts = new float[tokens * topK];
                for (int t = 0; t < tokens; t++) {
                    ids[2 * t] = (t * 7 + t / 3) % experts;
                    ids[2 * t + 1] = (ids[2 * t] + 1 + t % (experts - 1)) % experts;
                    wts[2 * t] = 0.625f;
                    wts[2 * t + 1] = 0.375f;
                }
                float[] w1 = roundTo(DType.BF16, randn(experts * inter * hidden));
                float[] w3 = roundTo(DType.BF16, randn(experts * inter * hidden));
                float[] w2 = roundTo(DType.BF16, randn(experts * hidden * inter));
                ExpertWeights ew = new ExpertWeights(bf16Weight(bf, w1, true, experts, inter, hidden),
                        bf16Weight(bf, w3, true, experts, inter, hidden), bf16Weight(bf, w2, true, experts, hidden, inter));
                DeviceTensor xt = bf.allocate(DType.F32, tokens, hidden);
                bf.write(xt, x);
                DeviceTensor idt = bf.allocate(DType.I32, tokens, topK);
                bf.write(idt, ids);
                DeviceTensor wtt = bf.allocate(DType.F32, tokens, topK);
                bf.write(wtt, wts);
                DeviceTensor out = bf.allocate(DType.F32, tokens, hidden);
                bf.moeExperts(xt, ew, idt, wtt, out);
                float[] got = new float[tokens * hidden];
                bf.read(out, got);
                float[] want = new float[tokens * hidden];
                for (int t = 0; t < tokens; t++) {
                    for (int j = 0; j < topK; j++) {
                        int e = ids[t * topK + j];
                        float[] act = new float[inter];
                        for (int r = 0; r < inter; r++) {
                            double g = 0, u = 0;
                            for (int i = 0; i < hidden; i++) {
                                double xi = bf16Round(x[t * hidden + i]);
                                g += xi * w1[(e * inter + r) * hidden + i];
                                u += xi * w3[(e * inter + r) * hidden + i];
                            }
                            act[r] = bf16Round((float) (g / (1 + Math.exp(-g)) * u));
                        }
                        for (int o = 0; o < hidden; o++) {
                            double sum = 0;
                            for (int r = 0; r < inter; r++) sum += (double) act[r] * w2[(e * hidden + o) * inter + r];
                            want[t * hidden + o] += (float) (sum * wts[t * topK + j]);
                        }
                    }
                }
                // the intermediate's bf16 rounding may land one ulp apart (f32 sums in another order)
                assertClose(want, got, 2e-2, "bf16 mode moe isa " + isa + " tokens " + tokens);
            }
        }
    }

    /**
     * bf16 mode rounds activations to bf16 (nearest, ties to even) before the products: through an
     * identity weight the output is that rounding itself, bit for bit the Java rounding, for a
     * handful of rows (one thread) and for 2000 rows (rounded across the pool), ties included.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void bf16ActivationRoundingIsNearestEven(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        int k = 40;
        float[] eye = new float[k * k];
        for (int i = 0; i < k; i++) eye[i * k + i] = 1f;
        try (CpuBackend bf = new CpuBackend(Precision.BF16)) {
            for (int m : new int[] {3, 2000}) {
                float[] x = randn(m * k);
                for (int i = 0; i < x.length; i += 3) { // exact ties: halfway between two bf16 values
                    x[i] = Float.intBitsToFloat((Float.floatToRawIntBits(bf16Round(x[i])) & 0xffff0000) | 0x8000);
                }
                for (int i = 0; i < x.length; i++) if (x[i] == 0f) x[i] = 1f; // -0 + 0 would read +0
                DeviceTensor xt = bf.allocate(DType.F32, m, k);
                bf.write(xt, x);
                DeviceTensor wf = bf.allocate(DType.F32, k, k);
                bf.write(wf, eye);
                DeviceTensor wt = bf.allocate(DType.BF16, k, k);
                CpuNative.tn_convert(((CpuTensor) wf).addr(), 0, ((CpuTensor) wt).addr(), DType.BF16.code, (long) k * k);
                DeviceTensor out = bf.allocate(DType.F32, m, k);
                bf.linear(xt, bf.forLinear(wt), out);
                float[] got = new float[m * k];
                bf.read(out, got);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(Float.floatToIntBits(bf16Round(x[i])), Float.floatToIntBits(got[i]),
                            "isa " + isa + " m " + m + " [" + i + "] of " + x[i]);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("isaLevels")
    void rmsNorm(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        int rows = 4, dim = 77;
        float[] x = randn(rows * dim);
        float[] w = randn(dim);
        DeviceTensor out = b.allocate(DType.F32, rows, dim);
        b.rmsNorm(f32(x, rows, dim), f32(w, dim), 1e-5f, out);
        float[] want = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[r * dim + i] * x[r * dim + i];
            double inv = 1 / Math.sqrt(ss / dim + 1e-5);
            for (int i = 0; i < dim; i++) want[r * dim + i] = (float) (w[i] * (x[r * dim + i] * inv));
        }
        assertClose(want, read(out), 1e-5, "rmsNorm isa " + isa);
    }

    @Test
    void ropeRotateHalf() {
        QkvLayout lay = new QkvLayout(4, 2, 16);
        int n = 3;
        float[] qkv = randn(n * lay.width());
        int[] pos = {0, 7, 1000};
        DeviceTensor t = f32(qkv, n, lay.width());
        b.rope(t, lay, batch(n, n, 1, new int[] {0, 1, 2}, pos, new int[n], new int[n]), 1e6f);
        float[] want = qkv.clone();
        int hd = lay.headDim(), half = hd / 2;
        for (int tok = 0; tok < n; tok++) {
            for (int head = 0; head < lay.numHeads() + lay.numKvHeads(); head++) {
                int base = tok * lay.width() + head * hd;
                for (int i = 0; i < half; i++) {
                    double invFreq = 1.0 / Math.pow(1e6, (2.0 * i) / hd);
                    float f = (float) pos[tok] * (float) invFreq;
                    double c = Math.cos(f), s = Math.sin(f);
                    float x1 = qkv[base + i], x2 = qkv[base + i + half];
                    want[base + i] = (float) (x1 * c - x2 * s);
                    want[base + i + half] = (float) (x2 * c + x1 * s);
                }
            }
        }
        assertClose(want, read(t), 2e-5, "rope");
    }

    /** Reference attention over contiguous per-sequence k/v. */
    /** Plain reference: out[m, n] = x[m, k] W[n, k]^T, summed in double. */
    private static float[] refLinear(float[] x, float[] w, int m, int k, int n) {
        float[] out = new float[m * n];
        for (int r = 0; r < m; r++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int i = 0; i < k; i++) s += (double) x[r * k + i] * w[j * k + i];
                out[r * n + j] = (float) s;
            }
        }
        return out;
    }

    /** qkv rows with k and v rounded to the cache's dtype, as the cache holds them (the reference's input). */
    private float[] cacheRounded(float[] qkv, QkvLayout lay, DType cacheType) {
        if (cacheType == DType.I8) return cacheQuantized(qkv, lay);
        float[] ref = qkv.clone();
        for (int u = 0; u < qkv.length / lay.width(); u++) {
            for (int i = lay.qSize(); i < lay.width(); i++) {
                ref[u * lay.width() + i] = roundTo(cacheType, new float[] {qkv[u * lay.width() + i]})[0];
            }
        }
        return ref;
    }

    /**
     * k and v as an int8 cache holds them: each (token, KV head) row quantized symmetrically on its
     * own scale (max|x| / 127, Int8Rounding), then dequantized as q * scale in f32.
     */
    private static float[] cacheQuantized(float[] qkv, QkvLayout lay) {
        float[] ref = qkv.clone();
        int hd = lay.headDim();
        for (int u = 0; u < qkv.length / lay.width(); u++) {
            for (int r = lay.qSize(); r < lay.width(); r += hd) {
                int at = u * lay.width() + r;
                float amax = 0f;
                for (int i = 0; i < hd; i++) amax = Math.max(amax, Math.abs(qkv[at + i]));
                float scale = Int8Rounding.scaleOf(amax);
                for (int i = 0; i < hd; i++) ref[at + i] = Int8Rounding.quantize(qkv[at + i], scale) * scale;
            }
        }
        return ref;
    }

    private static float[] refAttention(float[] qkv, QkvLayout lay, int[] seqOf, int[] pos, int window) {
        return refAttention(qkv, lay, seqOf, pos, window, 0);
    }

    /** Rows of query tokens [t0, n) only. */
    private static float[] refAttention(float[] qkv, QkvLayout lay, int[] seqOf, int[] pos, int window, int t0) {
        int n = pos.length, hd = lay.headDim(), w = lay.width();
        float[] out = new float[(n - t0) * lay.qSize()];
        int group = lay.numHeads() / lay.numKvHeads();
        for (int t = t0; t < n; t++) {
            for (int h = 0; h < lay.numHeads(); h++) {
                int kvh = h / group;
                // keys: tokens u of the same sequence with pos[u] <= pos[t] and within the window
                double[] scores = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u < n; u++) {
                    scores[u] = Double.NaN;
                    if (seqOf[u] != seqOf[t] || pos[u] > pos[t]) continue;
                    if (window > 0 && pos[u] <= pos[t] - window) continue;
                    double s = 0;
                    for (int i = 0; i < hd; i++) {
                        s += (double) qkv[t * w + h * hd + i] * qkv[u * w + lay.qSize() + kvh * hd + i];
                    }
                    scores[u] = s / Math.sqrt(hd);
                    max = Math.max(max, scores[u]);
                }
                double denom = 0;
                double[] acc = new double[hd];
                for (int u = 0; u < n; u++) {
                    if (Double.isNaN(scores[u])) continue;
                    double p = Math.exp(scores[u] - max);
                    denom += p;
                    for (int i = 0; i < hd; i++) acc[i] += p * qkv[u * w + lay.qSize() + lay.kvSize() + kvh * hd + i];
                }
                for (int i = 0; i < hd; i++) out[(t - t0) * lay.qSize() + h * hd + i] = (float) (acc[i] / denom);
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("isaLevels")
    void pagedAttentionGqaWindowAndBlocks(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        // query heads per KV head 2, 6 (rows taken 3 + 3) and 8 (3 + 3 + 2); head dims 16, 8, 24, and
        // 12 and 4, which are not multiples of 8 (their last columns one by one)
        QkvLayout[] layouts = {new QkvLayout(4, 2, 16), new QkvLayout(12, 2, 8), new QkvLayout(8, 1, 24),
                new QkvLayout(4, 2, 12), new QkvLayout(3, 3, 4)};
        for (DType cacheType : new DType[] {DType.F32, DType.F16, DType.BF16, DType.I8}) {
          for (QkvLayout lay : layouts) {
            for (int window : new int[] {0, 3}) {
                // two sequences of 5 and 9 tokens, interleaved in the flat batch, block size 4
                int[] lens = {5, 9};
                int n = lens[0] + lens[1];
                int[] seqOf = new int[n], pos = new int[n];
                int[][] tables = {{6, 1}, {0, 3, 5}};
                int bs = 4;
                int[] slots = new int[n];
                int t = 0;
                for (int s = 0; s < 2; s++) {
                    for (int p = 0; p < lens[s]; p++, t++) {
                        seqOf[t] = s;
                        pos[t] = p;
                        slots[t] = tables[s][p / bs] * bs + p % bs;
                    }
                }
                float[] qkv = randn(n * lay.width());
                // the cache holds k/v rounded to its dtype: compare against the same rounding
                float[] ref = cacheRounded(qkv, lay, cacheType);
                DeviceTensor q = f32(qkv, n, lay.width());
                KvCache cache = b.allocateKvCache(new KvCacheSpec(8, bs, lay.numKvHeads(), lay.headDim(), cacheType));
                int[] flat = new int[2 * 3];
                System.arraycopy(tables[0], 0, flat, 0, 2);
                System.arraycopy(tables[1], 0, flat, 3, 3);
                AttentionBatch ab = batch(n, 2, 3, seqOf, pos, slots, flat);
                b.reshapeAndCache(q, lay, cache, ab);
                DeviceTensor out = b.allocate(DType.F32, n, lay.qSize());
                b.pagedAttention(q, lay, cache, ab, window, out);
                assertClose(refAttention(ref, lay, seqOf, pos, window), read(out), 2e-5,
                        "attention isa " + isa + " cache " + cacheType + " window " + window + " " + lay);
            }
          }
        }
    }

    /**
     * Decode (one query token) over a long context: the keys run in several partials merged
     * afterwards. Against the plain reference, and bit for bit the same on one pool thread (whole
     * items) as on three (2 or 4 items leave threads idle: a work item per split).
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void pagedAttentionSplitsLongDecodeContexts(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        int threads = CpuPlatform.get().threads();
        // mixtral-mini's heads (a token's 4 rows taken 3 + 1), and 6 per KV head with head dim 24
        // (3 + 3); 16-slot blocks in shuffled order
        QkvLayout[] layouts = {new QkvLayout(16, 4, 64), new QkvLayout(12, 2, 24)};
        int n = 403, bs = 16, blocks = (n + bs - 1) / bs;
        int[] table = IntStream.range(0, blocks).map(i -> (i * 7 + 3) % blocks).toArray();
        int[] seqOf = new int[n], pos = IntStream.range(0, n).toArray(), slots = new int[n];
        for (int p = 0; p < n; p++) slots[p] = table[p / bs] * bs + p % bs;
        try {
            for (DType cacheType : new DType[] {DType.F32, DType.BF16, DType.I8}) {
                for (QkvLayout lay : layouts) {
                    float[] qkv = randn(n * lay.width());
                    float[] ref = cacheRounded(qkv, lay, cacheType);
                    KvCache cache = b.allocateKvCache(new KvCacheSpec(blocks, bs, lay.numKvHeads(), lay.headDim(), cacheType));
                    b.reshapeAndCache(f32(qkv, n, lay.width()), lay, cache,
                            batch(n, 1, blocks, seqOf, pos, slots, table));
                    float[] last = Arrays.copyOfRange(qkv, (n - 1) * lay.width(), n * lay.width());
                    AttentionBatch decode = batch(1, 1, blocks, new int[] {0}, new int[] {n - 1}, new int[] {slots[n - 1]}, table);
                    // windows: none, not block aligned, shorter than one partial
                    for (int window : new int[] {0, 250, 40}) {
                        String what = "split attention isa " + isa + " cache " + cacheType + " window " + window + " " + lay;
                        float[][] got = new float[2][];
                        int[] pools = {1, 3};
                        for (int i = 0; i < 2; i++) {
                            CpuPlatform.get().setThreads(pools[i]);
                            DeviceTensor out = b.allocate(DType.F32, 1, lay.qSize());
                            b.pagedAttention(f32(last, 1, lay.width()), lay, cache, decode, window, out);
                            got[i] = read(out);
                        }
                        assertClose(refAttention(ref, lay, seqOf, pos, window, n - 1), got[1], 2e-5, what);
                        assertArrayEquals(got[0], got[1], what + " 1 vs 3 threads");
                    }
                }
            }
        } finally {
            CpuPlatform.get().setThreads(threads);
        }
    }

    /**
     * A token's attention output does not depend on how the step batches it: a whole prompt at once
     * (consecutive tokens share kernel calls), the same tokens in reverse order (every token alone),
     * and each token as a one-token decode step on one and on three pool threads (split items) give
     * the same bits, and match the plain reference.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void pagedAttentionRowsIndependentOfBatching(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        int threads = CpuPlatform.get().threads();
        QkvLayout[] layouts = {new QkvLayout(16, 4, 64), new QkvLayout(12, 2, 24)};
        // 32-slot blocks: two key cells each, so a walk that started at a token's own first key
        // (window) would cut its keys differently from a walk shared with earlier tokens
        int n = 261, bs = 32, blocks = (n + bs - 1) / bs;
        int[] table = IntStream.range(0, blocks).map(i -> (i * 5 + 2) % blocks).toArray();
        int[] seqOf = new int[n], pos = IntStream.range(0, n).toArray(), slots = new int[n];
        for (int p = 0; p < n; p++) slots[p] = table[p / bs] * bs + p % bs;
        int[] rev = IntStream.range(0, n).map(i -> n - 1 - i).toArray();
        int[] revSlots = Arrays.stream(rev).map(i -> slots[i]).toArray();
        try {
            for (DType cacheType : new DType[] {DType.F32, DType.BF16, DType.I8}) {
                for (QkvLayout lay : layouts) {
                    int w = lay.width(), qs = lay.qSize();
                    float[] qkv = randn(n * w);
                    float[] ref = cacheRounded(qkv, lay, cacheType);
                    float[] qkvRev = new float[n * w];
                    for (int i = 0; i < n; i++) System.arraycopy(qkv, rev[i] * w, qkvRev, i * w, w);
                    KvCache cache = b.allocateKvCache(new KvCacheSpec(blocks, bs, lay.numKvHeads(), lay.headDim(), cacheType));
                    AttentionBatch prompt = batch(n, 1, blocks, seqOf, pos, slots, table);
                    b.reshapeAndCache(f32(qkv, n, w), lay, cache, prompt);
                    AttentionBatch reversed = batch(n, 1, blocks, seqOf, rev, revSlots, table);
                    // windows: none, not block aligned, shorter than one KV block
                    for (int window : new int[] {0, 150, 9}) {
                        String what = "attention batching isa " + isa + " cache " + cacheType + " window " + window + " " + lay;
                        CpuPlatform.get().setThreads(threads);
                        DeviceTensor out = b.allocate(DType.F32, n, qs);
                        b.pagedAttention(f32(qkv, n, w), lay, cache, prompt, window, out);
                        float[] whole = read(out);
                        assertClose(refAttention(ref, lay, seqOf, pos, window), whole, 2e-5, what);
                        b.pagedAttention(f32(qkvRev, n, w), lay, cache, reversed, window, out);
                        float[] back = read(out);
                        for (int i = 0; i < n; i++) {
                            assertArrayEquals(Arrays.copyOfRange(whole, rev[i] * qs, (rev[i] + 1) * qs),
                                    Arrays.copyOfRange(back, i * qs, (i + 1) * qs), what + " token " + rev[i] + " alone vs in the prompt");
                        }
                        for (int t : new int[] {0, 15, 16, 100, 200, n - 1}) {
                            AttentionBatch decode = batch(1, 1, blocks, new int[] {0}, new int[] {t}, new int[] {slots[t]}, table);
                            for (int pool : new int[] {1, 3}) {
                                CpuPlatform.get().setThreads(pool);
                                DeviceTensor one = b.allocate(DType.F32, 1, qs);
                                b.pagedAttention(f32(Arrays.copyOfRange(qkv, t * w, (t + 1) * w), 1, w), lay, cache, decode, window, one);
                                assertArrayEquals(Arrays.copyOfRange(whole, t * qs, (t + 1) * qs), read(one),
                                        what + " token " + t + " decoded on " + pool + " threads vs in the prompt");
                            }
                        }
                    }
                }
            }
        } finally {
            CpuPlatform.get().setThreads(threads);
        }
    }

    /**
     * A NaN in a query, or a key whose score is +inf, makes the heads that see it NaN at every ISA
     * level (as e^(inf - inf) does in the plain softmax), never a plausible number.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void pagedAttentionPropagatesNonFiniteScores(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        QkvLayout lay = new QkvLayout(8, 2, 16);
        int n = 40, bs = 16, w = lay.width(), hd = lay.headDim();
        int[] seqOf = new int[n], pos = IntStream.range(0, n).toArray(), table = {2, 0, 1};
        int[] slots = Arrays.stream(pos).map(p -> table[p / bs] * bs + p % bs).toArray();
        float[] qkv = randn(n * w);
        qkv[(n - 1) * w + 5 * hd + 3] = Float.NaN;                   // last token, query head 5 (KV head 1)
        qkv[10 * w + lay.qSize() + 3] = Float.POSITIVE_INFINITY;     // token 10's key, KV head 0,
        for (int t = 0; t < n; t++) {                                // which heads 0-3 meet as a score of +inf
            for (int h = 0; h < 4; h++) qkv[t * w + h * hd + 3] = Math.abs(qkv[t * w + h * hd + 3]) + 0.1f;
        }
        // an int8 cache gives the key row holding +inf a NaN scale: the same heads turn NaN
        for (DType cacheType : new DType[] {DType.F32, DType.I8}) {
            KvCache cache = b.allocateKvCache(new KvCacheSpec(3, bs, lay.numKvHeads(), hd, cacheType));
            AttentionBatch ab = batch(n, 1, 3, seqOf, pos, slots, table);
            b.reshapeAndCache(f32(qkv, n, w), lay, cache, ab);
            DeviceTensor out = b.allocate(DType.F32, n, lay.qSize());
            b.pagedAttention(f32(qkv, n, w), lay, cache, ab, 0, out);
            float[] got = read(out);
            for (int t = 0; t < n; t++) {
                for (int h = 0; h < lay.numHeads(); h++) {
                    boolean nan = (t >= 10 && h < 4) || (t == n - 1 && h == 5);
                    float x = got[t * lay.qSize() + h * hd];
                    assertEquals(nan, Float.isNaN(x), "isa " + isa + " cache " + cacheType + " token " + t + " head " + h + ": " + x);
                }
            }
        }
    }

    /** Positions up to INT_MAX - 1 (the last block's end passes INT_MAX); INT_MAX itself is refused. */
    @Test
    void pagedAttentionNearIntMaxPositions() {
        QkvLayout lay = new QkvLayout(4, 2, 8);
        int n = 8, bs = 4096, w = lay.width(), window = 5;
        int[] pos = IntStream.range(0, n).map(i -> Integer.MAX_VALUE - n + i).toArray();
        int mb = pos[n - 1] / bs + 1;
        int[] seqOf = new int[n], table = new int[mb];  // every block of the sequence is block 0
        int[] slots = Arrays.stream(pos).map(p -> p % bs).toArray();
        float[] qkv = randn(n * w);
        KvCache cache = b.allocateKvCache(new KvCacheSpec(1, bs, lay.numKvHeads(), lay.headDim(), DType.F32));
        AttentionBatch ab = batch(n, 1, mb, seqOf, pos, slots, table);
        b.reshapeAndCache(f32(qkv, n, w), lay, cache, ab);
        DeviceTensor out = b.allocate(DType.F32, n, lay.qSize());
        b.pagedAttention(f32(qkv, n, w), lay, cache, ab, window, out);
        // the tokens whose whole window lies in the batch (the earlier ones also see unwritten slots)
        int t0 = window - 1;
        assertClose(refAttention(qkv, lay, seqOf, pos, window, t0), Arrays.copyOfRange(read(out), t0 * lay.qSize(), n * lay.qSize()),
                2e-5, "attention near INT_MAX");
        int[] over = {Integer.MAX_VALUE};
        // the metadata cannot describe a position of INT_MAX (its sequence length overflows); the kernel refuses it too
        assertThrows(IllegalArgumentException.class, () -> AttentionMetadata.of(new int[] {0}, over, 1, mb));
        AttentionBatch bad = withMeta(AttentionMetadata.of(new int[] {0}, new int[] {Integer.MAX_VALUE - 1}, 1, mb),
                new int[] {0}, over, new int[] {0}, table);
        assertThrows(IllegalStateException.class,
                () -> b.pagedAttention(f32(Arrays.copyOf(qkv, w), 1, w), lay, cache, bad, window, b.allocate(DType.F32, 1, lay.qSize())));
    }

    @Test
    void pagedAttentionRejectsBadBlockIds() {
        QkvLayout lay = new QkvLayout(2, 1, 8);
        KvCache cache = b.allocateKvCache(new KvCacheSpec(2, 4, 1, 8, DType.F32));
        DeviceTensor q = b.allocate(DType.F32, 1, lay.width());
        AttentionBatch ab = batch(1, 1, 1, new int[] {0}, new int[] {0}, new int[] {0}, new int[] {7});
        assertThrows(IllegalStateException.class,
                () -> b.pagedAttention(q, lay, cache, ab, 0, b.allocate(DType.F32, 1, lay.qSize())));
        AttentionBatch badSlot = batch(1, 1, 1, new int[] {0}, new int[] {0}, new int[] {8}, new int[] {0});
        assertThrows(IllegalStateException.class, () -> b.reshapeAndCache(q, lay, cache, badSlot));
    }

    @Test
    void embeddingChecksIds() {
        float[] table = randn(10 * 4);
        DeviceTensor out = b.allocate(DType.F32, 2, 4);
        b.embedding(f32(table, 10, 4), i32(new int[] {9, 2}, 2), out);
        float[] got = read(out);
        for (int i = 0; i < 4; i++) {
            assertEquals(table[36 + i], got[i]);
            assertEquals(table[8 + i], got[4 + i]);
        }
        assertThrows(IllegalStateException.class, () -> b.embedding(f32(table, 10, 4), i32(new int[] {10, 0}, 2), out));
    }

    /**
     * 7 tokens: every expert group on gemv tiles; 300 tokens: packed GEMM groups and 600 routed
     * rows, more than one chunk of TN_MOE_MAX_ROWS (512).
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void moeGateAndExperts(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        moeCase(7, 24, 40, 5);
        moeCase(300, 16, 24, 3);
        moeCase(9, 40, 45, 4); // intermediate size off the 8-wide SwiGLU vectors and the 32-row blocks
        moeCase(20, 32, 48, 4); // whole 16-row panels only (no row-major rest in the panel layout)
    }

    private void moeCase(int tokens, int hidden, int inter, int experts) {
        Isa isa = CpuPlatform.get().activeIsa().orElseThrow();
        int topK = 2;
        float[] x = randn(tokens * hidden);
        float[] gate = randn(experts * hidden);
        DeviceTensor xt = f32(x, tokens, hidden);
        DeviceTensor ids = b.allocate(DType.I32, tokens, topK);
        DeviceTensor wts = b.allocate(DType.F32, tokens, topK);
        b.moeGate(xt, f32(gate, experts, hidden), ids, wts);
        int[] gotIds = new int[tokens * topK];
        b.read(ids, gotIds);
        float[] gotW = read(wts);
        int[] wantIds = new int[tokens * topK];
        float[] wantW = new float[tokens * topK];
        for (int t = 0; t < tokens; t++) {
            double[] p = new double[experts];
            double max = Double.NEGATIVE_INFINITY;
            for (int e = 0; e < experts; e++) {
                double s = 0;
                for (int i = 0; i < hidden; i++) s += (double) x[t * hidden + i] * gate[e * hidden + i];
                p[e] = s;
                max = Math.max(max, s);
            }
            double sum = 0;
            for (int e = 0; e < experts; e++) sum += p[e] = Math.exp(p[e] - max);
            Integer[] order = IntStream.range(0, experts).boxed().toArray(Integer[]::new);
            java.util.Arrays.sort(order, (a, c) -> Double.compare(p[c], p[a]));
            double picked = p[order[0]] + p[order[1]];
            for (int j = 0; j < topK; j++) {
                wantIds[t * topK + j] = order[j];
                wantW[t * topK + j] = (float) (p[order[j]] / picked);
            }
        }
        assertArrayEquals(wantIds, gotIds, "top-k experts");
        assertClose(wantW, gotW, 1e-5, "routing weights");

        for (boolean panels : new boolean[] {false, true})
        for (DType d : new DType[] {DType.F32, DType.BF16}) {
            float[] w1 = roundTo(d, randn(experts * inter * hidden));
            float[] w3 = roundTo(d, randn(experts * inter * hidden));
            float[] w2 = roundTo(d, randn(experts * hidden * inter));
            ExpertWeights ew = new ExpertWeights(weight(d, w1, panels, experts, inter, hidden),
                    weight(d, w3, panels, experts, inter, hidden), weight(d, w2, panels, experts, hidden, inter));
            DeviceTensor out = b.allocate(DType.F32, tokens, hidden);
            b.moeExperts(xt, ew, ids, wts, out);
            float[] want = new float[tokens * hidden];
            for (int t = 0; t < tokens; t++) {
                for (int j = 0; j < topK; j++) {
                    int e = gotIds[t * topK + j];
                    double[] act = new double[inter];
                    for (int r = 0; r < inter; r++) {
                        double g = 0, u = 0;
                        for (int i = 0; i < hidden; i++) {
                            g += (double) x[t * hidden + i] * w1[(e * inter + r) * hidden + i];
                            u += (double) x[t * hidden + i] * w3[(e * inter + r) * hidden + i];
                        }
                        act[r] = g / (1 + Math.exp(-g)) * u;
                    }
                    for (int o = 0; o < hidden; o++) {
                        double s = 0;
                        for (int r = 0; r < inter; r++) s += act[r] * w2[(e * hidden + o) * inter + r];
                        want[t * hidden + o] += (float) (s * gotW[t * topK + j]);
                    }
                }
            }
            assertClose(want, read(out), 1e-4, "moe experts " + d + " panels " + panels + " isa " + isa);
        }
    }

    /** A weight handed to forLinear is read only by the linear ops; its row-major handle is spent. */
    @Test
    void panelLayoutWeightsRefuseRowAccess() {
        DeviceTensor w = weight(DType.BF16, roundTo(DType.BF16, randn(32 * 8)), 32, 8);
        DeviceTensor p = b.forLinear(w);
        assertThrows(IllegalArgumentException.class, () -> b.reshape(p, 8, 32));
        assertThrows(IllegalArgumentException.class, () -> b.firstRows(p, 16));
        assertThrows(IllegalArgumentException.class, () -> b.embedding(p, i32(new int[] {1}, 1), b.allocate(DType.F32, 1, 8)));
        assertThrows(IllegalStateException.class, () -> b.linear(f32(randn(8), 1, 8), w, b.allocate(DType.F32, 1, 32)));
        DeviceTensor f = f32(randn(16 * 4), 16, 4);
        DeviceTensor pf = b.forLinear(f);
        assertThrows(IllegalArgumentException.class, () -> b.read(pf, new float[64]));
    }

    @Test
    void randomWeightsAreDeterministicAndBounded() {
        DeviceTensor a = b.randomWeight(DType.F32, 7, 0.5f, 1000);
        DeviceTensor c = b.randomWeight(DType.F32, 7, 0.5f, 1000);
        float[] va = read(a);
        assertArrayEquals(va, read(c));
        for (float v : va) {
            if (v < -0.5f || v >= 0.5f) throw new AssertionError("out of range " + v);
        }
    }
}
