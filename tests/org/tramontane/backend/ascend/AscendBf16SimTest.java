package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.testing.Fixtures;
import org.tramontane.testing.GoldenRun;

/**
 * {@code --dtype bf16} through the ascend binding on the simulator, against {@code --backend cpu
 * --dtype bf16} at the same world size: the paths that differ from fp16 on the device are MindIE's
 * bf16 causal mask (0 keeps, 1 masks; MASK-1) and the W8A8 grouped matmuls' bf16 weight scales
 * (NN-GMM-2). Logit cosine at least {@value #MIN_COSINE} on every prompt.
 */
class AscendBf16SimTest {
    private static final double MIN_COSINE = 0.999;

    @ParameterizedTest
    @CsvSource({"tiny-mixtral-bf16, 1", "tiny-mixtral-bf16, 2", "tiny-mixtral-w8a8, 1",
            "tiny-mixtral-8h-w8a8, 2"})
    void agreesWithCpuBf16(String fixture, int worldSize) {
        Path dir = Fixtures.dir(fixture);
        boolean w8a8 = fixture.endsWith("w8a8");
        JsonNode golden = Fixtures.json(dir.resolve(worldSize == 1 || !w8a8 ? "golden.json" : "golden_tp" + worldSize + ".json"));
        GoldenRun cpu = GoldenRun.run(dir, golden, DType.BF16, BackendKind.CPU, worldSize);
        GoldenRun npu = GoldenRun.run(dir, golden, DType.BF16, BackendKind.ASCEND_SIM, worldSize);
        for (int i = 0; i < cpu.prompts().size(); i++) {
            String what = fixture + " ws " + worldSize + " " + cpu.prompts().get(i).get("name").asText();
            double cos = AscendW8a8SimTest.cosine(cpu.firstLogits()[i], npu.firstLogits()[i]);
            double worst = 0;
            for (int v = 0; v < cpu.firstLogits()[i].length; v++) {
                worst = Math.max(worst, Math.abs(cpu.firstLogits()[i][v] - npu.firstLogits()[i][v]));
            }
            System.out.printf("%s: cosine %.6f, max |logit diff| %.4f%n", what, cos, worst);
            assertTrue(cos >= MIN_COSINE, what + ": logit cosine vs cpu bf16 " + cos);
        }
    }
}
