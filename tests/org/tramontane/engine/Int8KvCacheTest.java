package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.backend.Isa;
import org.tramontane.backend.Platform;
import org.tramontane.config.DType;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.config.UserException;
import org.tramontane.testing.Fixtures;
import org.tramontane.testing.GoldenRun;

/**
 * {@code --kv-cache-dtype int8} on the fixtures, at every ISA level this CPU has and at world sizes 1
 * and 2: greedy tokens equal to the bf16-cache run's while the golden's top-2 margin exceeds 0.1, and
 * the step-0 logits within 0.1 of the fp32 golden.
 */
class Int8KvCacheTest {
    private static final double LOGIT_TOL = 0.1;
    private static final double MARGIN = 0.1;
    private static final Platform CPU = BackendKind.CPU.platform();

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (Isa isa : CPU.supportedIsas()) {
            a.add(Arguments.of("tiny-mixtral", DType.F32, 1, isa));
            a.add(Arguments.of("tiny-mixtral-bf16", DType.BF16, 1, isa));
            a.add(Arguments.of("tiny-mixtral-8h", DType.F32, 2, isa));
        }
        a.add(Arguments.of("tiny-mixtral", DType.F32, 2, CPU.supportedIsas().get(CPU.supportedIsas().size() - 1)));
        return a.stream();
    }

    @AfterEach
    void restore() {
        List<Isa> isas = CPU.supportedIsas();
        CPU.forceIsa(isas.get(isas.size() - 1));
    }

    @ParameterizedTest(name = "{0} {1} world size {2} isa {3}")
    @MethodSource("cases")
    void int8CacheKeepsGreedyAndLogits(String fixture, DType dtype, int worldSize, Isa isa) {
        CPU.forceIsa(isa);
        Path dir = Fixtures.dir(fixture);
        JsonNode golden = Fixtures.json(dir.resolve("golden.json"));
        GoldenRun bf16 = GoldenRun.run(dir, golden, dtype, BackendKind.CPU, worldSize, KvCacheDtype.BF16);
        GoldenRun int8 = GoldenRun.run(dir, golden, dtype, BackendKind.CPU, worldSize, KvCacheDtype.INT8);
        for (int i = 0; i < int8.prompts().size(); i++) {
            JsonNode p = int8.prompts().get(i);
            String what = fixture + " " + dtype.cliName + " ws " + worldSize + " isa " + isa.cliName + "/" + p.get("name").asText();
            float[] first = int8.firstLogits()[i];
            assertFalse(Arrays.equals(bf16.firstLogits()[i], first), what + ": the int8 cache is in use, its logits differ");
            if (p.has("last_logits")) {
                float[] want = Fixtures.floats(p.get("last_logits"));
                double worst = 0;
                for (int v = 0; v < want.length; v++) worst = Math.max(worst, Math.abs(want[v] - first[v]));
                assertTrue(worst <= LOGIT_TOL, what + " step-0 logits: max |diff| " + worst);
            }
            int[] top = Fixtures.ints(p.get("last_top20").get("ids"));
            float[] topLogits = Fixtures.floats(p.get("last_top20").get("logits"));
            for (int k = 0; k < top.length; k++) assertEquals(topLogits[k], first[top[k]], LOGIT_TOL, what + " top20 id " + top[k]);
            JsonNode steps = p.get("greedy").get("steps");
            int[] want = bf16.outputs().get(i).outputIds();
            int[] got = int8.outputs().get(i).outputIds();
            for (int s = 0; s < want.length && steps.get(s).get("margin").asDouble() > MARGIN; s++) {
                assertEquals(want[s], got[s], what + " greedy step " + s + " (bf16 cache vs int8)");
            }
        }
    }

    @Test
    void ascendRefusesAnInt8CacheInOneLine() {
        Path dir = Fixtures.dir("tiny-mixtral");
        ModelSource src = new ModelSource(dir, ModelSource.LoadFormat.AUTO, DType.F16, BackendKind.ASCEND_SIM, 0, 1);
        UserException e = assertThrows(UserException.class,
                () -> LlmEngine.open(src, EngineOptions.defaults().withKvCache(KvCacheDtype.INT8, 0)).close());
        assertEquals("--kv-cache-dtype int8 is not supported on the ascend backend yet (its KV cache is the compute dtype, fp16)",
                e.getMessage());
    }
}
