package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.config.ActivationQuant;
import org.tramontane.backend.Backend;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.config.Precision;
import org.tramontane.backend.WeightRef;
import org.tramontane.backend.cpu.CpuBackend;
import org.tramontane.testing.Fixtures;
import org.tramontane.testing.GoldenRun;

/**
 * W8A8-dynamic checkpoints through the ascend binding on the simulator (DynamicQuant +
 * QuantMatmulV4 for q/k/v/o, DynamicQuant + int8 GroupedMatmulV4 for the experts) against
 * {@code --backend cpu} at the same dtype (fp16) and world size: logit cosine at least 0.999 on
 * every prompt, greedy ids equal on the prompts the golden marks stable
 * ({@code greedy_unchanged_under_perturbation}) up to a step where the golden's top1-top2 margin is
 * below 0.1.
 *
 * <p>Why the margin: the device path rounds every activation to fp16 before DynamicQuant, the cpu
 * backend quantizes f32 activations. That moves logits by up to ~0.1, a thousand times the 1e-6
 * perturbation behind the golden's stability flag. Measured first differences, all at golden margins
 * 0.0013-0.040: tiny-mixtral-w8a8 ws 1 sentence step 14, ws 2 sentence step 2 and unicode step 2,
 * tiny-mixtral-8h-w8a8 ws 1 sentence step 10. Where cpu fp16 itself leaves the golden's path (ws 1
 * bos_only at step 1, margin 0.015; code at step 8) ids are compared only up to there: on bos_only
 * the two backends then agree up to step 7 and part there. Every other prompt agrees on all 16.
 *
 * <p>tiny-mixtral-8h-w8a8 bos_only is left out of the cosine check: its layer-1 router logits for
 * experts 2 and 0 are -0.6678 and -0.6721 (margin 0.0043, computed from the checkpoint with the
 * documented W8A8 math), and fp16 activations move them by ~0.02, so the second expert flips on any
 * fp16 device path (cosine 0.982, max |logit diff| 1.59 on ascend-sim, 0.04 between cpu fp16 and
 * the golden). The prompt tests the tie, not the binding; its greedy ids are still compared.
 */
class AscendW8a8SimTest {
    private static final double MARGIN = 0.1;

    static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @ParameterizedTest
    @CsvSource({"tiny-mixtral-w8a8, 1", "tiny-mixtral-w8a8, 2", "tiny-mixtral-8h-w8a8, 1", "tiny-mixtral-8h-w8a8, 2"})
    void agreesWithCpuAtTheSameDtypeAndWorldSize(String fixture, int worldSize) {
        Path dir = Fixtures.dir(fixture);
        JsonNode golden = Fixtures.json(dir.resolve(worldSize == 1 ? "golden.json" : "golden_tp" + worldSize + ".json"));
        JsonNode stable = golden.get("w8a8_vs_float").get("sensitivity_rel_1e-6_input_perturbation")
                .get("greedy_unchanged_under_perturbation");
        GoldenRun cpu = GoldenRun.run(dir, golden, DType.F16, BackendKind.CPU, worldSize);
        GoldenRun npu = GoldenRun.run(dir, golden, DType.F16, BackendKind.ASCEND_SIM, worldSize);
        int stableCompared = 0;
        for (int i = 0; i < cpu.prompts().size(); i++) {
            String name = cpu.prompts().get(i).get("name").asText();
            String what = fixture + " ws " + worldSize + " " + name;
            double cos = cosine(cpu.firstLogits()[i], npu.firstLogits()[i]);
            double worst = 0;
            for (int v = 0; v < cpu.firstLogits()[i].length; v++) {
                worst = Math.max(worst, Math.abs(cpu.firstLogits()[i][v] - npu.firstLogits()[i][v]));
            }
            System.out.printf("%s: cosine %.6f, max |logit diff| %.4f%n", what, cos, worst);
            boolean routerTie = fixture.equals("tiny-mixtral-8h-w8a8") && name.equals("bos_only");
            if (!routerTie) assertTrue(cos >= 0.999, what + ": logit cosine vs cpu " + cos);
            if (stable.path(name).asBoolean(false)) {
                greedyAgrees(cpu.prompts().get(i), cpu.outputs().get(i).outputIds(), npu.outputs().get(i).outputIds(),
                        what);
                stableCompared++;
            }
        }
        assertTrue(stableCompared > 0, "no prompt marked stable in " + fixture);
    }

    /**
     * Equal ids until the cpu run leaves the golden's path (beyond it the golden margins say
     * nothing); a first difference before that is allowed only at a step whose golden margin is
     * below {@link #MARGIN}.
     */
    private static void greedyAgrees(JsonNode prompt, int[] cpu, int[] npu, String what) {
        int[] golden = Fixtures.ints(prompt.get("greedy").get("ids"));
        JsonNode steps = prompt.get("greedy").get("steps");
        int limit = Math.min(cpu.length, npu.length);
        for (int s = 0; s < limit; s++) {
            if (s >= golden.length || cpu[s] != golden[s]) {
                System.out.printf("%s: cpu fp16 leaves the golden path at step %d; ids compared up to there%n", what, s);
                return;
            }
            if (cpu[s] != npu[s]) {
                double margin = steps.get(s).get("margin").asDouble();
                System.out.printf("%s: greedy differs first at step %d (golden margin %.4f)%n", what, s, margin);
                assertTrue(margin < MARGIN, what + " greedy step " + s + ": " + npu[s] + " instead of " + cpu[s]
                        + " although the golden margin is " + margin);
                return;
            }
        }
        assertArrayEquals(cpu, npu, what + " greedy ids");
    }

    /**
     * The integer path bit for bit: on inputs fp16 holds exactly, DynamicQuant sees the values the
     * cpu backend quantizes, so QuantMatmulV4's fp16 output must be the cpu's f32 result rounded to
     * fp16 (round to nearest even). Rows: random, one with |x|max = 127 (s = 1) and exact .5 ties
     * (round half away from zero), and a zero row (s = 0). The simulator's DynamicQuant reuses the
     * cpu library's row quantizer, so this checks the binding (scales, transposeX2, epilogue order,
     * dtypes), not an independent rounding implementation.
     */
    @Test
    void quantLinearIsBitExactWithTheCpuBackendOnFp16ExactInputs(@TempDir Path tmp) throws IOException {
        int m = 4, k = 64, n = 24;
        Random rnd = new Random(7);
        byte[] w = new byte[n * k];
        for (int i = 0; i < w.length; i++) w[i] = (byte) (rnd.nextInt(255) - 127);
        float[] scale = new float[n];
        for (int j = 0; j < n; j++) scale[j] = (1 + rnd.nextInt(1000)) / 8192f / 127f;
        float[] x = new float[m * k];
        for (int i = 0; i < k; i++) x[i] = (rnd.nextInt(4097) - 2048) / 256f;
        for (int i = 0; i < k; i++) x[k + i] = i == 0 ? 127f : (i % 2 == 0 ? 1 : -1) * (i % 100 + 0.5f);
        for (int i = 0; i < k; i++) x[2 * k + i] = (rnd.nextInt(2049) - 1024) / 4096f;
        Path file = tmp.resolve("w.bin");
        Files.write(file, w);
        WeightRef ref = new WeightRef(file, 0, w.length, DType.I8, new long[] {n, k});
        float[] cpuOut = new float[m * n];
        float[] npuOut = new float[m * n];
        try (Backend cpu = new CpuBackend(Precision.FP16); Backend npu = AscendBackend.open(Precision.FP16, true)) {
            for (Backend b : new Backend[] {cpu, npu}) {
                DeviceTensor s = b.allocate(DType.F32, n);
                b.write(s, scale);
                DeviceTensor q = b.quantizedWeight(b.loadWeight(DType.I8, ref), s, ActivationQuant.INT8_PER_TOKEN);
                DeviceTensor in = b.allocate(DType.F32, m, k);
                b.write(in, x);
                DeviceTensor out = b.allocate(DType.F32, m, n);
                b.linear(in, q, out);
                b.read(out, b == cpu ? cpuOut : npuOut);
            }
        }
        int nonZero = 0;
        for (int i = 0; i < 3 * n; i++) nonZero += npuOut[i] != 0 ? 1 : 0;
        assertTrue(nonZero > 2 * n, "rows 0-2 should be mostly non-zero: " + nonZero);
        for (int i = 0; i < m * n; i++) {
            assertTrue(Float.floatToIntBits(toHalf(cpuOut[i])) == Float.floatToIntBits(npuOut[i]),
                    "element " + i + ": cpu " + cpuOut[i] + " -> fp16 " + toHalf(cpuOut[i]) + ", ascend-sim " + npuOut[i]);
        }
    }

    /** f32 rounded to the nearest fp16 value (ties to even), as a float. */
    static float toHalf(float f) {
        float a = Math.abs(f);
        if (a >= 65520f) return Math.copySign(Float.POSITIVE_INFINITY, f);
        float quantum = a < 6.103515625e-05f ? 5.9604645e-08f : Math.scalb(1f, Math.getExponent(a) - 10);
        return Math.copySign((float) (Math.rint(a / quantum) * quantum), f);
    }
}
