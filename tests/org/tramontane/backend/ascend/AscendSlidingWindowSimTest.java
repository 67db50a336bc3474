package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.engine.SamplingParams;
import org.tramontane.testing.Fixtures;
import org.tramontane.testing.GoldenRun;

/**
 * tiny-mixtral-swa (sliding window 16) through the ascend binding on the simulator, against its HF golden
 * (logits within 0.1, greedy equal while the golden margin exceeds 0.1, as {@link AscendSimTest}): its
 * prompts of 62 and 41 tokens and the 24 greedy tokens after each prompt run past the window, so prefills,
 * chunks and decodes alike take the sliding-window path (a PagedAttention query per token from its
 * window's first block, with a mask); at block size 4 the engine also frees the blocks wholly before the
 * window, which that path never reads.
 */
class AscendSlidingWindowSimTest {
    private static final double TOL = 0.1;

    @ParameterizedTest
    @CsvSource({"1, 16, 2048", "2, 16, 2048", "4, 16, 2048", "1, 16, 12", "2, 4, 12", "1, 4, 2048"})
    void swaFixtureMatchesGoldenPastItsWindow(int worldSize, int blockSize, int budget) {
        Path dir = Fixtures.dir("tiny-mixtral-swa");
        JsonNode golden = Fixtures.json(dir.resolve("golden.json"));
        assertEquals(16, golden.get("config").get("sliding_window").asInt());
        GoldenRun run = GoldenRun.run(dir, golden, DType.F16, BackendKind.ASCEND_SIM, worldSize,
                new EngineOptions(blockSize, 0, 8, 0, budget));
        String how = "tiny-mixtral-swa ws " + worldSize + " block " + blockSize + " budget " + budget;
        for (int i = 0; i < run.prompts().size(); i++) {
            JsonNode p = run.prompts().get(i);
            String what = how + " " + p.get("name").asText();
            int[] top = Fixtures.ints(p.get("last_top20").get("ids"));
            float[] topLogits = Fixtures.floats(p.get("last_top20").get("logits"));
            for (int j = 0; j < top.length; j++) {
                assertEquals(topLogits[j], run.firstLogits()[i][top[j]], TOL, what + " top20 id " + top[j]);
            }
            if (p.has("last_logits")) {
                float[] want = Fixtures.floats(p.get("last_logits"));
                double worst = 0;
                for (int v = 0; v < want.length; v++) worst = Math.max(worst, Math.abs(want[v] - run.firstLogits()[i][v]));
                System.out.printf("%s: max |logit diff| vs golden %.4f%n", what, worst);
                assertTrue(worst <= TOL, what + ": max |logit diff| " + worst);
            }
            int[] want = Fixtures.ints(p.get("greedy").get("ids"));
            int[] got = run.outputs().get(i).outputIds();
            JsonNode steps = p.get("greedy").get("steps");
            int compared = 0;
            for (int s = 0; s < want.length && steps.get(s).get("margin").asDouble() > TOL; s++, compared++) {
                assertEquals(want[s], got[s], what + " greedy step " + s);
            }
            System.out.printf("%s: greedy equal on %d of %d steps%n", what, compared, want.length);
        }
    }

    /** Every prompt's logits at every generated step, greedy, as one batch. */
    private static float[][][] stepLogits(BackendKind kind, List<int[]> prompts, int newTokens, EngineOptions o) {
        ModelSource src = new ModelSource(Fixtures.dir("tiny-mixtral-swa"), ModelSource.LoadFormat.AUTO, DType.F16, kind,
                0, 1);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int[] ids : prompts) reqs.add(new GenerationRequest(ids, newTokens, true, SamplingParams.greedy()));
        float[][][] out = new float[prompts.size()][newTokens][];
        try (LlmEngine engine = LlmEngine.open(src, o)) {
            engine.generate(reqs, (r, step, tok, logits) -> out[r][step] = logits.clone());
        }
        return out;
    }

    /**
     * The golden's sliding-window probe: token 1 of prompt `long` (62 tokens) changed is invisible at its
     * last position with window 16 (2 layers reach back 31 positions; HF: 2.4e-6). Without the window the
     * change would reach the last position.
     */
    @Test
    void aTokenOutsideTheReceptiveFieldChangesNothing() {
        JsonNode golden = Fixtures.json(Fixtures.dir("tiny-mixtral-swa").resolve("golden.json"));
        JsonNode probe = golden.get("sliding_window_probe");
        int[] base = null;
        for (JsonNode p : golden.get("prompts")) {
            if (p.get("name").asText().equals(probe.get("name").asText())) base = Fixtures.ints(p.get("prompt_ids"));
        }
        float[][][] got = stepLogits(BackendKind.ASCEND_SIM, List.of(base, Fixtures.ints(probe.get("perturbed_prompt_ids"))),
                1, new EngineOptions(16, 0, 8, 0, 12));
        double worst = 0;
        for (int v = 0; v < got[0][0].length; v++) worst = Math.max(worst, Math.abs(got[0][0][v] - got[1][0][v]));
        System.out.printf("sliding-window probe on ascend-sim: max |logit diff| %.6f%n", worst);
        assertTrue(worst < 1e-3, "the changed token outside the window moved the logits by " + worst);
        int[] top = Fixtures.ints(probe.get("last_top20_perturbed").get("ids"));
        float[] topLogits = Fixtures.floats(probe.get("last_top20_perturbed").get("logits"));
        for (int j = 0; j < top.length; j++) assertEquals(topLogits[j], got[1][0][top[j]], TOL, "top20 id " + top[j]);
    }

    /**
     * Every one of the 24 decode steps of each prompt (all past the window for `long` and `long2`) against
     * {@code --backend cpu --dtype fp16} run the same way: logits within 0.1 while the two agree on the tokens.
     */
    @Test
    void everyDecodeStepPastTheWindowAgreesWithCpuFp16() {
        JsonNode golden = Fixtures.json(Fixtures.dir("tiny-mixtral-swa").resolve("golden.json"));
        List<int[]> prompts = new ArrayList<>();
        for (JsonNode p : golden.get("prompts")) prompts.add(Fixtures.ints(p.get("prompt_ids")));
        EngineOptions o = new EngineOptions(4, 0, 8, 0, 12);
        float[][][] cpu = stepLogits(BackendKind.CPU, prompts, 24, o);
        float[][][] npu = stepLogits(BackendKind.ASCEND_SIM, prompts, 24, o);
        for (int r = 0; r < prompts.size(); r++) {
            int steps = 0;
            for (int s = 0; s < 24; s++) {
                double worst = 0;
                for (int v = 0; v < cpu[r][s].length; v++) worst = Math.max(worst, Math.abs(cpu[r][s][v] - npu[r][s][v]));
                assertTrue(worst <= TOL, "prompt " + r + " step " + s + ": max |logit diff| vs cpu fp16 " + worst);
                steps++;
                if (argmax(cpu[r][s]) != argmax(npu[r][s])) break;  // the continuations part: later steps differ in input
            }
            System.out.printf("swa prompt %d: %d steps within %.1f of cpu fp16%n", r, steps, TOL);
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
