package org.tramontane.model;

import org.tramontane.config.ConfigException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.engine.SamplingParams;
import org.tramontane.config.QuantScheme;
import org.tramontane.testing.Fixtures;

/**
 * Weights made at load: dummy weights are one model at every world size (each rank binds its
 * shard of the world-size-1 draw), and quantizing a float checkpoint at load gives exactly the
 * offline quantized checkpoint.
 */
class LoadTimeWeightsTest {
    private static final Path DEMO = Path.of(System.getProperty("tramontane.basedir", "."))
            .resolve("configs/mixtral-demo.json");
    private static final int[][] PROMPTS = {{1, 22557, 1526, 349, 264}, {1, 415, 5565}};
    private static final int NEW_TOKENS = 6;

    /** Greedy ids per prompt and the logits of every step, [prompt][step][vocab]. */
    private record Run(List<int[]> ids, float[][][] logits) {
    }

    private static Run generate(ModelSource src) {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int[] p : PROMPTS) reqs.add(new GenerationRequest(p, NEW_TOKENS, true, SamplingParams.greedy()));
        float[][][] logits = new float[PROMPTS.length][NEW_TOKENS][];
        try (LlmEngine engine = LlmEngine.open(src, new EngineOptions(16, 0, 4, 0))) {
            assertEquals(src.worldSize(), engine.worldSize());
            List<GenerationResult> out = engine.generate(reqs, (r, step, tok, l) -> logits[r][step] = l.clone());
            return new Run(out.stream().map(GenerationResult::outputIds).toList(), logits);
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    private static void assertSame(Run want, Run got, double tol, String what) {
        for (int p = 0; p < PROMPTS.length; p++) {
            assertArrayEquals(want.ids().get(p), got.ids().get(p), what + " prompt " + p + " greedy ids");
            for (int s = 0; s < NEW_TOKENS; s++) {
                double d = maxDiff(want.logits()[p][s], got.logits()[p][s]);
                assertTrue(d <= tol, what + " prompt " + p + " step " + s + ": logits differ by " + d);
            }
        }
    }

    private static ModelSource demo(int worldSize, QuantScheme quantize) {
        return new ModelSource(DEMO, ModelSource.LoadFormat.DUMMY, DType.F32, BackendKind.CPU, 0, worldSize, quantize);
    }

    /**
     * Float dummy weights, and W8A16 ones (float activations: every world size computes the same
     * sums, so this also checks that row-parallel shards keep the whole rows' scales).
     */
    @ParameterizedTest
    @ValueSource(strings = {"float", "w8a16"})
    void dummyModelIsTheSameAtEveryWorldSize(String scheme) {
        QuantScheme q = scheme.equals("float") ? null : QuantScheme.fromConfigName(scheme).orElseThrow();
        Run one = generate(demo(1, q));
        for (int ws : new int[] {2, 4}) assertSame(one, generate(demo(ws, q)), 1e-3, scheme + " ws " + ws);
    }

    /** tiny-mixtral quantized while loading = tiny-mixtral-w8a8 (made offline from the same weights). */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void quantizeAtLoadEqualsTheOfflineCheckpoint(int worldSize) {
        Path flt = Fixtures.dir("tiny-mixtral");
        Path offline = Fixtures.dir("tiny-mixtral-w8a8");
        Run want = generate(new ModelSource(offline, ModelSource.LoadFormat.AUTO, DType.F32, BackendKind.CPU, 0,
                worldSize));
        Run got = generate(new ModelSource(flt, ModelSource.LoadFormat.AUTO, DType.F32, BackendKind.CPU, 0, worldSize,
                QuantScheme.W8A8_DYNAMIC));
        assertSame(want, got, 1e-5, "tiny-mixtral --quantize w8a8_dynamic ws " + worldSize);
    }

    @Test
    void anAlreadyQuantizedCheckpointIsNotQuantizedAgain() {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> generate(new ModelSource(Fixtures.dir("tiny-mixtral-w8a8"), ModelSource.LoadFormat.AUTO, DType.F32,
                        BackendKind.CPU, 0, 1, QuantScheme.W8A16)));
        assertTrue(e.getMessage().contains("already quantized"), e.getMessage());
    }
}
