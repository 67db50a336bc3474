package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.engine.SamplingParams;
import org.tramontane.testing.Fixtures;
import org.tramontane.testing.GoldenRun;

/**
 * Chunked prefill and prefix caching through the ascend binding on the simulator: with a step budget of
 * 12 tokens ({@code --max-num-batched-tokens 12}) every prompt longer than that runs in chunks, each
 * chunk after the first a SelfAttention PREFIX_ENCODER over the cached prefix, mixed in one step with
 * other sequences' decodes and whole-prompt prefills. Tolerances as in {@link AscendSimTest} (logits
 * within 0.1 of the golden or of {@code --backend cpu --dtype fp16} run the same way) and
 * {@link AscendW8a8SimTest} (logit cosine at least 0.999 for W8A8).
 */
class AscendChunkedPrefillSimTest {
    private static final double TOL = 0.1;
    private static final int BUDGET = 12;

    private static EngineOptions chunked() {
        return new EngineOptions(16, 0, 8, 0, BUDGET);
    }

    private static GoldenRun run(String fixture, String goldenFile, BackendKind kind, int worldSize, EngineOptions o) {
        Path dir = Fixtures.dir(fixture);
        return GoldenRun.run(dir, Fixtures.json(dir.resolve(goldenFile)), DType.F16, kind, worldSize, o);
    }

    private static double maxDiff(float[] a, float[] b) {
        double worst = 0;
        for (int v = 0; v < a.length; v++) worst = Math.max(worst, Math.abs(a[v] - b[v]));
        return worst;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void bf16FixtureMatchesGoldenInChunks(int worldSize) {
        GoldenRun run = run("tiny-mixtral-bf16", "golden.json", BackendKind.ASCEND_SIM, worldSize, chunked());
        boolean chunkedSome = false;
        for (int i = 0; i < run.prompts().size(); i++) {
            JsonNode p = run.prompts().get(i);
            chunkedSome |= p.get("prompt_ids").size() > BUDGET;
            String what = "tiny-mixtral-bf16 chunked ws " + worldSize + " " + p.get("name").asText();
            int[] top = Fixtures.ints(p.get("last_top20").get("ids"));
            float[] topLogits = Fixtures.floats(p.get("last_top20").get("logits"));
            for (int j = 0; j < top.length; j++) {
                assertEquals(topLogits[j], run.firstLogits()[i][top[j]], TOL, what + " top20 id " + top[j]);
            }
            if (p.has("last_logits")) {
                double worst = maxDiff(Fixtures.floats(p.get("last_logits")), run.firstLogits()[i]);
                System.out.printf("%s: max |logit diff| vs golden %.4f%n", what, worst);
                assertTrue(worst <= TOL, what + ": max |logit diff| " + worst);
            }
            int[] want = Fixtures.ints(p.get("greedy").get("ids"));
            int[] got = run.outputs().get(i).outputIds();
            JsonNode steps = p.get("greedy").get("steps");
            for (int s = 0; s < want.length && steps.get(s).get("margin").asDouble() > TOL; s++) {
                assertEquals(want[s], got[s], what + " greedy step " + s);
            }
        }
        assertTrue(chunkedSome, "no prompt is longer than the budget: nothing was chunked");
    }

    /** tiny-mixtral-8h (world sizes 1, 2, 4, 8) chunked on both backends: the same logits within 0.1. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void fp32FixtureInChunksAgreesWithCpuFp16(int worldSize) {
        GoldenRun cpu = run("tiny-mixtral-8h", "golden.json", BackendKind.CPU, worldSize, chunked());
        GoldenRun npu = run("tiny-mixtral-8h", "golden.json", BackendKind.ASCEND_SIM, worldSize, chunked());
        for (int i = 0; i < cpu.prompts().size(); i++) {
            JsonNode p = cpu.prompts().get(i);
            String what = "tiny-mixtral-8h chunked ws " + worldSize + " " + p.get("name").asText();
            double worst = maxDiff(cpu.firstLogits()[i], npu.firstLogits()[i]);
            System.out.printf("%s: max |logit diff| vs cpu fp16 %.4f%n", what, worst);
            assertTrue(worst <= TOL, what + ": max |logit diff| vs cpu fp16 " + worst);
            int[] want = cpu.outputs().get(i).outputIds();
            int[] got = npu.outputs().get(i).outputIds();
            JsonNode steps = p.get("greedy").get("steps");
            for (int s = 0; s < want.length && s < steps.size() && steps.get(s).get("margin").asDouble() > TOL; s++) {
                assertEquals(want[s], got[s], what + " greedy step " + s);
            }
        }
    }

    /**
     * W8A8 chunked on both backends, logit cosine at least 0.999 (AscendW8a8SimTest says why not closer;
     * tiny-mixtral-8h-w8a8 bos_only is its router tie and left out here too).
     */
    @ParameterizedTest
    @CsvSource({"tiny-mixtral-w8a8, golden.json, 1", "tiny-mixtral-8h-w8a8, golden.json, 1",
            "tiny-mixtral-8h-w8a8, golden_tp2.json, 2", "tiny-mixtral-8h-w8a8, golden_tp4.json, 4",
            "tiny-mixtral-8h-w8a8, golden_tp8.json, 8"})
    void w8a8InChunksAgreesWithCpu(String fixture, String goldenFile, int worldSize) {
        GoldenRun cpu = run(fixture, goldenFile, BackendKind.CPU, worldSize, chunked());
        GoldenRun npu = run(fixture, goldenFile, BackendKind.ASCEND_SIM, worldSize, chunked());
        for (int i = 0; i < cpu.prompts().size(); i++) {
            String name = cpu.prompts().get(i).get("name").asText();
            if (fixture.equals("tiny-mixtral-8h-w8a8") && name.equals("bos_only")) continue;
            double cos = AscendW8a8SimTest.cosine(cpu.firstLogits()[i], npu.firstLogits()[i]);
            System.out.printf("%s chunked ws %d %s: cosine %.6f%n", fixture, worldSize, name, cos);
            assertTrue(cos >= 0.999, fixture + " chunked ws " + worldSize + " " + name + ": cosine " + cos);
        }
    }

    /**
     * Prefix caching on ascend: the second generate call finds the first call's full blocks in the cache
     * and prefills only the rest of each prompt (PREFIX_ENCODER); its tokens equal the uncached run's and
     * its first logits are within the fp16 tolerance of them.
     */
    @Test
    void prefixCachingRunsOnAscend() {
        Path dir = Fixtures.dir("tiny-mixtral-8h");
        JsonNode golden = Fixtures.json(dir.resolve("golden.json"));
        List<GenerationRequest> reqs = new ArrayList<>();
        for (JsonNode p : golden.get("prompts")) {
            if (p.get("prompt_ids").size() > 16) {
                reqs.add(new GenerationRequest(Fixtures.ints(p.get("prompt_ids")), 8, true, SamplingParams.greedy()));
            }
        }
        assertTrue(reqs.size() >= 2, "prompts longer than one block: " + reqs.size());
        ModelSource src = new ModelSource(dir, ModelSource.LoadFormat.AUTO, DType.F16, BackendKind.ASCEND_SIM, 0, 1);
        float[][] plain = new float[reqs.size()][];
        float[][] cached = new float[reqs.size()][];
        List<GenerationResult> want;
        try (LlmEngine engine = LlmEngine.open(src, new EngineOptions(16, 0, 8, 0))) {
            want = engine.generate(reqs, (r, step, tok, logits) -> {
                if (step == 0) plain[r] = logits.clone();
            });
        }
        EngineOptions withCache = new EngineOptions(16, 0, 8, 0, EngineOptions.DEFAULT_MAX_NUM_BATCHED_TOKENS, 0,
                KvCacheDtype.AUTO, true);
        try (LlmEngine engine = LlmEngine.open(src, withCache)) {
            assertTrue(engine.prefixCaching(), "prefix caching was turned off: " + engine.prefixCachingNotice());
            engine.generate(reqs, (r, step, tok, logits) -> { });
            long hitsBefore = engine.prefixCacheStats().hits();
            List<GenerationResult> got = engine.generate(reqs, (r, step, tok, logits) -> {
                if (step == 0) cached[r] = logits.clone();
            });
            assertTrue(engine.prefixCacheStats().hits() > hitsBefore, "no prompt token was found in the cache");
            for (int i = 0; i < reqs.size(); i++) {
                assertArrayEquals(want.get(i).outputIds(), got.get(i).outputIds(), "request " + i);
                double worst = maxDiff(plain[i], cached[i]);
                assertTrue(worst <= TOL, "request " + i + ": max |logit diff| cached vs not " + worst
                        + " " + Arrays.toString(Arrays.copyOf(cached[i], 4)));
            }
        }
    }

    /** Two prompts of random ids (BOS first) longer than two blocks of 128. */
    private static List<int[]> longPrompts() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<int[]> out = new ArrayList<>();
        for (int len : new int[] {300, 200}) {
            int[] ids = new int[len];
            ids[0] = 1;
            for (int i = 1; i < len; i++) ids[i] = 3 + rnd.nextInt(31990);
            out.add(ids);
        }
        return out;
    }

    /** Every prompt's logits at every generated step (greedy), from each of {@code calls} generate calls. */
    private static float[][][][] stepLogits(BackendKind kind, List<int[]> prompts, int newTokens, EngineOptions o,
            int calls, long[] hits) {
        ModelSource src = new ModelSource(Fixtures.dir("tiny-mixtral-bf16"), ModelSource.LoadFormat.AUTO, DType.F16, kind,
                0, 1);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int[] ids : prompts) reqs.add(new GenerationRequest(ids, newTokens, true, SamplingParams.greedy()));
        float[][][][] out = new float[calls][prompts.size()][newTokens][];
        try (LlmEngine engine = LlmEngine.open(src, o)) {
            for (int c = 0; c < calls; c++) {
                float[][][] call = out[c];
                engine.generate(reqs, (r, step, tok, logits) -> call[r][step] = logits.clone());
            }
            if (hits != null) hits[0] = engine.prefixCacheStats().hits();
        }
        return out;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** Each step's logits within 0.1 of the reference while the two agree on the tokens before it. */
    private static void assertStepsAgree(float[][][] want, float[][][] got, String what) {
        for (int r = 0; r < want.length; r++) {
            for (int s = 0; s < want[r].length; s++) {
                double worst = maxDiff(want[r][s], got[r][s]);
                assertTrue(worst <= TOL, what + " prompt " + r + " step " + s + ": max |logit diff| " + worst);
                if (argmax(want[r][s]) != argmax(got[r][s])) break;
            }
        }
    }

    /**
     * Blocks of 128 and a step budget of 128 (tiny-mixtral-bf16, head dim 16): the 300-token prompt's chunks
     * after 128 and 256 cached positions run as SelfAttention PREFIX_ENCODER; the 200-token prompt, started in
     * a step the first one shares, continues after a prefix that is no multiple of 128 and runs a query per
     * token. Every step against {@code --backend cpu --dtype fp16} run the same way.
     */
    @Test
    void prefixEncoderChunksAgreeWithCpuFp16() {
        EngineOptions o = new EngineOptions(128, 0, 8, 0, 128);
        float[][][] cpu = stepLogits(BackendKind.CPU, longPrompts(), 8, o, 1, null)[0];
        float[][][] npu = stepLogits(BackendKind.ASCEND_SIM, longPrompts(), 8, o, 1, null)[0];
        assertStepsAgree(cpu, npu, "block 128 budget 128");
    }

    /** Prefix caching at blocks of 128: the second call's prefills continue 256 and 128 cached positions (PREFIX_ENCODER). */
    @Test
    void prefixCachingAtBlocksOf128AgreesWithTheUncachedRun() {
        EngineOptions o = new EngineOptions(128, 0, 8, 0, EngineOptions.DEFAULT_MAX_NUM_BATCHED_TOKENS, 0,
                KvCacheDtype.AUTO, true);
        long[] hits = new long[1];
        float[][][][] calls = stepLogits(BackendKind.ASCEND_SIM, longPrompts(), 8, o, 2, hits);
        assertEquals(256 + 128, hits[0], "cached prompt tokens found in the second call");
        assertStepsAgree(calls[0], calls[1], "prefix cached vs not");
    }
}
