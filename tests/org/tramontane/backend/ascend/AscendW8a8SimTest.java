package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.backend.DType;
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
}
