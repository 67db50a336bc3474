package org.tramontane.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.engine.SamplingParams;
import org.tramontane.testing.Fixtures;
import org.tramontane.testing.GoldenRun;

/**
 * W8A8-dynamic checkpoints (float parts at fp32) against the goldens of each world size: logits
 * within 0.1 (W8A8 is discontinuous in its float inputs, fixtures README), greedy ids exactly on
 * the prompts the golden marks stable under a 1e-6 input perturbation.
 */
class QuantizedInferenceTest {
    private static final double TOL = 0.1;

    @ParameterizedTest
    @CsvSource({"tiny-mixtral-w8a8,1,golden.json", "tiny-mixtral-w8a8,2,golden_tp2.json",
            "tiny-mixtral-w8a8,4,golden_tp4.json", "tiny-mixtral-8h-w8a8,1,golden.json",
            "tiny-mixtral-8h-w8a8,2,golden_tp2.json", "tiny-mixtral-8h-w8a8,4,golden_tp4.json",
            "tiny-mixtral-8h-w8a8,8,golden_tp8.json"})
    void matchesGoldenOfItsWorldSize(String fixture, int worldSize, String goldenFile) {
        Path dir = Fixtures.dir(fixture);
        JsonNode golden = Fixtures.json(dir.resolve(goldenFile));
        JsonNode stable = golden.get("w8a8_vs_float").get("sensitivity_rel_1e-6_input_perturbation")
                .get("greedy_unchanged_under_perturbation");
        GoldenRun run = GoldenRun.run(dir, golden, DType.F32, BackendKind.CPU, worldSize);
        {
            List<JsonNode> prompts = run.prompts();
            float[][] first = run.firstLogits();
            List<GenerationResult> out = run.outputs();
            for (int i = 0; i < prompts.size(); i++) {
                JsonNode p = prompts.get(i);
                String name = p.get("name").asText();
                String what = fixture + " ws " + worldSize + " " + name;
                if (p.has("last_logits")) {
                    float[] want = Fixtures.floats(p.get("last_logits"));
                    for (int v = 0; v < want.length; v++) assertEquals(want[v], first[i][v], TOL, what + " logit " + v);
                }
                int[] top = Fixtures.ints(p.get("last_top20").get("ids"));
                float[] topLogits = Fixtures.floats(p.get("last_top20").get("logits"));
                for (int j = 0; j < top.length; j++) assertEquals(topLogits[j], first[i][top[j]], TOL, what + " top20");
                if (stable.get(name).asBoolean()) {
                    int[] want = Fixtures.ints(p.get("greedy").get("ids"));
                    for (int s = 0; s < want.length; s++) {
                        assertEquals(want[s], out.get(i).outputIds()[s], what + " greedy step " + s);
                    }
                }
            }
        }
    }
}
