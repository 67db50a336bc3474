package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.testing.Fixtures;

/**
 * A long prompt (past tiny-mixtral-swa's 16-position window many times over) gives the same logits
 * prefilled in one step as in chunks of a few hundred tokens, and the same greedy tokens after it,
 * with the cache in the compute dtype and in int8.
 */
class LongPromptChunkingTest {
    private static final int PROMPT = 2500;
    private static final int NEW_TOKENS = 3;

    @ParameterizedTest(name = "{0} kv {1}")
    @CsvSource({"tiny-mixtral, AUTO", "tiny-mixtral-swa, AUTO", "tiny-mixtral, INT8"})
    void chunkedPrefillMatchesOneStep(String fixture, KvCacheDtype kv) {
        Path dir = Fixtures.dir(fixture);
        Random rnd = new Random(22);
        int[] ids = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) ids[i] = 1 + rnd.nextInt(999);
        float[][] whole = run(dir, ids, kv, 4096);
        float[][] chunked = run(dir, ids, kv, 307);
        for (int s = 0; s < NEW_TOKENS; s++) {
            double worst = 0;
            for (int v = 0; v < whole[s].length; v++) worst = Math.max(worst, Math.abs(whole[s][v] - chunked[s][v]));
            assertTrue(worst <= 1e-4, fixture + " kv " + kv + " step " + s + ": max |diff| " + worst);
        }
    }

    /** The logits of each generated token, greedy, the prompt prefilled in steps of at most {@code budget} tokens. */
    private static float[][] run(Path dir, int[] ids, KvCacheDtype kv, int budget) {
        float[][] logits = new float[NEW_TOKENS][];
        ModelSource src = new ModelSource(dir, ModelSource.LoadFormat.AUTO, DType.F32, BackendKind.CPU, 0, 1);
        try (LlmEngine engine = LlmEngine.open(src, new EngineOptions(16, 0, 1, 0, budget).withKvCache(kv, 0))) {
            engine.generate(List.of(new GenerationRequest(ids, NEW_TOKENS, true, SamplingParams.greedy())),
                    (i, step, tok, l) -> logits[step] = l.clone());
        }
        return logits;
    }
}
