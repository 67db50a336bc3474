package org.tramontane.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.Isa;
import org.tramontane.config.DType;
import org.tramontane.config.Precision;

/**
 * Batch invariance, on every ISA level this CPU has: a row's output is bitwise the same computed alone
 * and inside a batch of N rows, for the linear kernels (f32, f16 and bf16 weights, panel and row-major
 * rows, fp32 and bf16 modes, one thread and across the pool), the router and the expert MoE (an
 * expert's rows change with the batch). Prefix caching relies on it: skipping a cached prefix changes
 * how many rows a step, and each expert, has. (The attention kernels have their own case in
 * CpuKernelsTest; the int8 products are exact, their per-row reference is bit for bit in
 * CpuQuantKernelsTest.)
 */
class CpuBatchInvarianceTest {
    private final Random rnd = new Random(7);

    static Stream<Isa> isaLevels() {
        return CpuPlatform.get().supportedIsas().stream();
    }

    @AfterEach
    void restore() {
        CpuPlatform.get().forceIsa(CpuPlatform.get().highestIsa());
    }

    private float[] randn(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
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

    /** A weight of dtype d from f32 values (converted natively), in the panel layout when asked. */
    private static DeviceTensor weight(CpuBackend b, DType d, float[] v, boolean panels, long... shape) {
        DeviceTensor src = f32(b, v, shape);
        DeviceTensor w = b.allocate(d, shape);
        CpuNative.tn_convert(((CpuTensor) src).addr(), DType.F32.code, ((CpuTensor) w).addr(), d.code, v.length);
        return panels ? b.forLinear(w) : w;
    }

    /** Row t of the batch's output against the same row computed alone, bit for bit. */
    private static void assertRowsAlone(float[] batch, float[][] alone, int width, String what) {
        for (int t = 0; t < alone.length; t++) {
            float[] row = Arrays.copyOfRange(batch, t * width, (t + 1) * width);
            for (int j = 0; j < width; j++) {
                assertEquals(Float.floatToRawIntBits(alone[t][j]), Float.floatToRawIntBits(row[j]),
                        what + " row " + t + " of " + alone.length + " [" + j + "]: alone " + alone[t][j] + ", in the batch "
                                + row[j]);
            }
        }
    }

    /**
     * k and n: panels only, panels and row-major rest rows, row-major only (a router's 8 experts), and
     * n * k past the parallel threshold, so a single row and a batch cut their work differently. Row
     * counts on both sides of every switch the kernels had (1-3 streams, 4+ tiles, 12+ GEMM, groups of
     * 6, 7 and 12 rows).
     */
    private static final int[][] SHAPES = {{64, 48}, {67, 35}, {300, 8}, {1024, 70}, {45, 7}};
    private static final int[] BATCHES = {2, 3, 4, 5, 7, 8, 12, 13, 33, 64};

    @ParameterizedTest
    @MethodSource("isaLevels")
    void linearRowsAreTheSameAloneAndInABatch(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        try (CpuBackend fp32 = new CpuBackend(Precision.FP32); CpuBackend bf16 = new CpuBackend(Precision.BF16)) {
            for (DType d : new DType[] {DType.F32, DType.F16, DType.BF16}) linearCases(fp32, d, "fp32 mode " + d);
            linearCases(bf16, DType.BF16, "bf16 mode");
        }
    }

    private void linearCases(CpuBackend b, DType d, String mode) {
        for (boolean panels : new boolean[] {false, true}) {
            for (int[] kn : SHAPES) {
                int k = kn[0], n = kn[1];
                DeviceTensor w = weight(b, d, randn(n * k), panels, n, k);
                for (int m : BATCHES) {
                    float[] x = randn(m * k);
                    DeviceTensor out = b.allocate(DType.F32, m, n);
                    b.linear(f32(b, x, m, k), w, out);
                    float[][] alone = new float[m][];
                    for (int t = 0; t < m; t++) {
                        DeviceTensor o1 = b.allocate(DType.F32, 1, n);
                        b.linear(f32(b, Arrays.copyOfRange(x, t * k, (t + 1) * k), 1, k), w, o1);
                        alone[t] = read(b, o1);
                    }
                    assertRowsAlone(read(b, out), alone, n,
                            "linear " + mode + " panels " + panels + " isa " + CpuPlatform.get().activeIsa().orElseThrow()
                                    + " m,k,n " + m + "," + k + "," + n);
                }
            }
        }
    }

    /**
     * The router and the experts: each token routed and run alone against the same token in a batch of
     * T (its experts then hold other tokens too: groups of 1 to ~T rows), fp32 and bf16 modes, panel
     * and row-major experts, an intermediate size with and without a row-major rest.
     */
    @ParameterizedTest
    @MethodSource("isaLevels")
    void moeTokensAreTheSameAloneAndInABatch(Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        try (CpuBackend fp32 = new CpuBackend(Precision.FP32); CpuBackend bf16 = new CpuBackend(Precision.BF16)) {
            for (int[] c : new int[][] {{9, 64, 48}, {40, 48, 35}, {70, 128, 256}}) {
                moeCase(fp32, DType.F32, c[0], c[1], c[2], "fp32 mode f32");
                moeCase(fp32, DType.BF16, c[0], c[1], c[2], "fp32 mode bf16");
                moeCase(bf16, DType.BF16, c[0], c[1], c[2], "bf16 mode");
            }
        }
    }

    private void moeCase(CpuBackend b, DType d, int tokens, int hidden, int inter, String mode) {
        int experts = 4, topK = 2;
        float[] x = randn(tokens * hidden);
        DeviceTensor gate = f32(b, randn(experts * hidden), experts, hidden);
        for (boolean panels : new boolean[] {false, true}) {
            ExpertWeights ew = new ExpertWeights(weight(b, d, randn(experts * inter * hidden), panels, experts, inter, hidden),
                    weight(b, d, randn(experts * inter * hidden), panels, experts, inter, hidden),
                    weight(b, d, randn(experts * hidden * inter), panels, experts, hidden, inter));
            String what = "moe " + mode + " panels " + panels + " isa " + CpuPlatform.get().activeIsa().orElseThrow() + " tokens "
                    + tokens + " h,i " + hidden + "," + inter;
            float[][] batch = moe(b, x, tokens, hidden, gate, ew, experts, topK);
            float[][][] alone = new float[3][tokens][];
            for (int t = 0; t < tokens; t++) {
                float[][] one = moe(b, Arrays.copyOfRange(x, t * hidden, (t + 1) * hidden), 1, hidden, gate, ew, experts, topK);
                for (int part = 0; part < 3; part++) alone[part][t] = one[part];
            }
            assertRowsAlone(batch[0], alone[0], experts, what + " router logits");
            assertRowsAlone(batch[1], alone[1], topK, what + " routing weights");
            assertRowsAlone(batch[2], alone[2], hidden, what + " output");
        }
    }

    /** The router's logits [T, experts], routing weights [T, topK] and the experts' output [T, hidden]. */
    private static float[][] moe(CpuBackend b, float[] x, int tokens, int hidden, DeviceTensor gate, ExpertWeights ew,
            int experts, int topK) {
        DeviceTensor xt = f32(b, x, tokens, hidden);
        DeviceTensor logits = b.allocate(DType.F32, tokens, experts);
        b.linear(xt, gate, logits);
        DeviceTensor ids = b.allocate(DType.I32, tokens, topK);
        DeviceTensor wts = b.allocate(DType.F32, tokens, topK);
        b.moeGate(xt, gate, ids, wts);
        DeviceTensor out = b.allocate(DType.F32, tokens, hidden);
        b.moeExperts(xt, ew, ids, wts, out);
        return new float[][] {read(b, logits), read(b, wts), read(b, out)};
    }
}
