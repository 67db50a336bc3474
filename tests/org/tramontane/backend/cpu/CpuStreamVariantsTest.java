package org.tramontane.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.Isa;
import org.tramontane.config.ActivationQuant;
import org.tramontane.config.DType;
import org.tramontane.config.Precision;

/**
 * Every stream variant the tuner can choose gives the bits of the built-in streams (which
 * CpuKernelsTest checks against the plain reference), for linears of 1-3 rows and the MoE at one
 * token, on every level that has stream kernels, float and int8 weights, odd and even panel
 * counts, row-major tail rows, odd k; and stays close to a plain double reference.
 */
class CpuStreamVariantsTest {
    private final Random rnd = new Random(7);

    static Stream<Isa> streamLevels() {
        // the x86 levels: the stream kernels are the AVX2 tiles, shared by AVX-512 and AMX; scalar and NEON have none,
        // so on an arm64 host the cases are empty (allowZeroInvocations) and the NEON kernels are covered elsewhere
        return CpuPlatform.get().supportedIsas().stream().filter(i -> i != Isa.SCALAR && i != Isa.NEON);
    }

    @AfterEach
    void restore() {
        CpuNative.tn_clear_stream_choices();
        CpuPlatform.get().forceIsa(CpuPlatform.get().highestIsa());
    }

    /** Every combination of the tuner's prefetch candidates, stream counts and splits. */
    static List<StreamChoice> allVariants(DType dtype) {
        Set<StreamChoice> out = new LinkedHashSet<>();
        for (StreamChoice p : StreamTuner.prefetchCandidates(StreamChoice.BUILT_IN)) {
            for (StreamChoice s : StreamTuner.streamCandidates(p)) out.addAll(StreamTuner.splitCandidates(s, dtype));
        }
        return new ArrayList<>(out);
    }

    private float[] randn(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    private static void set(DType d, int n, int k, StreamChoice c) {
        try (CpuNative.StreamChoiceStruct st = c.into(new CpuNative.StreamChoiceStruct())) {
            assertEquals(CpuNative.TN_OK, CpuNative.tn_set_stream_choice(d.code, n, k, st));
        }
    }

    private static DeviceTensor f32(CpuBackend b, float[] v, long... shape) {
        DeviceTensor t = b.allocate(DType.F32, shape);
        b.write(t, v);
        return t;
    }

    private static float[] read(CpuBackend b, DeviceTensor t) {
        float[] v = new float[(int) t.numElements()];
        b.read(t, v);
        return v;
    }

    /** A panel-layout linear weight of dtype d (int8: W8A8 dynamic) from f32 values w [n, k]. */
    private static DeviceTensor weight(CpuBackend b, DType d, float[] w, int n, int k) {
        DeviceTensor src = f32(b, w, n, k);
        if (d == DType.I8) return b.forLinear(b.quantizeWeight(src, 0, k, ActivationQuant.INT8_PER_TOKEN));
        DeviceTensor t = b.allocate(d, n, k);
        CpuChecks.check(CpuNative.tn_convert(((CpuTensor) src).addr(), DType.F32.code, ((CpuTensor) t).addr(), d.code,
                (long) n * k), "convert");
        return b.forLinear(t);
    }

    static Stream<Object[]> linearCases() {
        List<Object[]> cases = new ArrayList<>();
        streamLevels().forEach(isa -> {
            for (DType d : new DType[] {DType.F32, DType.F16, DType.BF16, DType.I8}) {
                // 53 rows: a pair of panels, an odd one and 5 row-major rows; 32: two panels; odd k for floats
                for (int[] nk : new int[][] {{53, 67}, {32, 256}, {96, 1}, {53, 66}}) {
                    if (d == DType.I8 && nk[1] % 2 != 0) continue;  // int8 panels need an even k
                    cases.add(new Object[] {isa, d, nk[0], nk[1]});
                }
            }
        });
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}x{3}", allowZeroInvocations = true)
    @MethodSource("linearCases")
    void everyVariantOfALinearGivesTheBuiltInBits(Isa isa, DType d, int n, int k) {
        CpuPlatform.get().forceIsa(isa);
        assertEquals(1, CpuNative.tn_stream_tunable(d.code), isa + " has stream kernels for " + d);
        try (CpuBackend b = new CpuBackend(Precision.FP32)) {
            float[] wv = randn(n * k);
            DeviceTensor w = weight(b, d, wv, n, k);
            for (int m = 1; m <= 3; m++) {
                float[] xv = randn(m * k);
                DeviceTensor x = f32(b, xv, m, k);
                DeviceTensor out = b.allocate(DType.F32, m, n);
                CpuNative.tn_clear_stream_choices();
                b.linear(x, w, out);
                float[] builtIn = read(b, out);
                assertNearReference(xv, wv, builtIn, m, n, k, d);
                for (StreamChoice c : allVariants(d)) {
                    set(d, n, k, c);
                    b.linear(x, w, out);
                    assertArrayEquals(builtIn, read(b, out), m + " rows, " + c.describe());
                }
            }
        }
    }

    /**
     * bf16 mode: 1-3 rows on bf16 panels take the bf16 dot-product kernel where the CPU has one (as 4+ rows
     * do), with the tuned streams; every variant gives the built-in bits there too.
     */
    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("streamLevels")
    void everyVariantOfABf16ModeLinearGivesTheBuiltInBits(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        try (CpuBackend b = new CpuBackend(Precision.BF16)) {
            for (int[] nk : new int[][] {{53, 67}, {32, 256}, {96, 1}}) {
                int n = nk[0], k = nk[1];
                float[] wv = randn(n * k);
                DeviceTensor w = weight(b, DType.BF16, wv, n, k);
                for (int m = 1; m <= 3; m++) {
                    DeviceTensor x = f32(b, randn(m * k), m, k);
                    DeviceTensor out = b.allocate(DType.F32, m, n);
                    CpuNative.tn_clear_stream_choices();
                    b.linear(x, w, out);
                    float[] builtIn = read(b, out);
                    for (StreamChoice c : allVariants(DType.BF16)) {
                        set(DType.BF16, n, k, c);
                        b.linear(x, w, out);
                        assertArrayEquals(builtIn, read(b, out), "bf16 mode " + n + "x" + k + ", " + m + " rows, " + c.describe());
                    }
                }
            }
        }
    }

    /** Loose: the bit comparison above is the real check; this catches a built-in kernel gone wrong with them. */
    private static void assertNearReference(float[] x, float[] w, float[] got, int m, int n, int k, DType d) {
        double tol = d == DType.I8 ? 0.05 : d == DType.F32 ? 1e-4 : 2e-2;
        for (int t = 0; t < m; t++) {
            for (int r = 0; r < n; r++) {
                double s = 0, mag = 0;
                for (int i = 0; i < k; i++) {
                    s += (double) x[t * k + i] * w[r * k + i];
                    mag += Math.abs((double) x[t * k + i] * w[r * k + i]);
                }
                assertTrue(Math.abs(got[t * n + r] - s) <= tol * (mag + 1), "row " + t + " col " + r);
            }
        }
    }

    static Stream<Object[]> moeCases() {
        List<Object[]> cases = new ArrayList<>();
        streamLevels().forEach(isa -> {
            for (DType d : new DType[] {DType.BF16, DType.F32, DType.I8}) cases.add(new Object[] {isa, d});
        });
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}", allowZeroInvocations = true)
    @MethodSource("moeCases")
    void everyVariantOfTheExpertsGivesTheBuiltInBits(Isa isa, DType d) {
        CpuPlatform.get().forceIsa(isa);
        int experts = 4, hidden = 48, inter = 80, topK = 2;  // 80 rows: 5 panels; 48: 3
        try (CpuBackend b = new CpuBackend(d == DType.BF16 ? Precision.BF16 : Precision.FP32)) {
            ExpertWeights ew = new ExpertWeights(experts3(b, d, experts, inter, hidden), experts3(b, d, experts, inter, hidden),
                    experts3(b, d, experts, hidden, inter));
            DeviceTensor x = f32(b, randn(hidden), 1, hidden);
            DeviceTensor ids = b.allocate(DType.I32, 1, topK);
            b.write(ids, new int[] {3, 1});
            DeviceTensor rw = f32(b, new float[] {0.625f, 0.375f}, 1, topK);
            DeviceTensor out = b.allocate(DType.F32, 1, hidden);
            b.moeExperts(x, ew, ids, rw, out);
            float[] builtIn = read(b, out);
            for (StreamChoice c : allVariants(d)) {
                set(d, inter, hidden, c);
                set(d, hidden, inter, c.withStreams(c.streams() == 1 ? 2 : 1));  // up and down may differ
                b.moeExperts(x, ew, ids, rw, out);
                assertArrayEquals(builtIn, read(b, out), c.describe());
            }
        }
    }

    private DeviceTensor experts3(CpuBackend b, DType d, int e, int n, int k) {
        DeviceTensor src = f32(b, randn(e * n * k), e, n, k);
        if (d == DType.I8) {
            DeviceTensor flat = b.reshape(src, (long) e * n, k);
            var q = (org.tramontane.backend.QuantizedTensor) b.quantizeWeight(flat, 0, k, ActivationQuant.INT8_PER_TOKEN);
            return b.forLinear(new org.tramontane.backend.QuantizedTensor(b.reshape(q.weight(), e, n, k),
                    b.reshape(q.scale(), e, n), q.activation()));
        }
        DeviceTensor t = b.allocate(d, e, n, k);
        CpuChecks.check(CpuNative.tn_convert(((CpuTensor) src).addr(), DType.F32.code, ((CpuTensor) t).addr(), d.code,
                (long) e * n * k), "convert");
        return b.forLinear(t);
    }
}
