package org.tramontane.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tramontane.config.Precision;
import org.tramontane.backend.cpu.CpuBackend;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.Generator;
import org.tramontane.engine.SamplingParams;
import org.tramontane.engine.TokenListener;
import org.tramontane.testing.Fixtures;

/**
 * The fp32 reference path against HuggingFace transformers' goldens (fixtures README): last
 * logits within 1e-3, teacher-forced argmax at every position, router choices, greedy
 * continuations (until the golden's margin drops below 1e-3), batched = single, and the
 * sliding-window probe.
 */
class MixtralGoldenTest {
    private static final double LOGIT_TOL = 1e-3;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-mixtral", "tiny-mixtral-bf16", "tiny-mixtral-swa", "tiny-mixtral-8h"})
    void matchesTransformers(String fixture) {
        Path dir = Fixtures.dir(fixture);
        JsonNode golden = Fixtures.json(dir.resolve("golden.json"));
        try (CpuBackend backend = new CpuBackend(Precision.FP32);
                MixtralModel model = MixtralLoader.load(dir, backend)) {
            model.allocateKvCache(64, 16);
            for (JsonNode p : golden.get("prompts")) {
                checkTeacherForced(model, p, fixture + "/" + p.get("name").asText());
            }
            if (golden.has("sliding_window_probe")) checkProbe(model, golden.get("sliding_window_probe"), fixture);
        }
        // generation in a fresh model: the engine owns the KV cache there
        try (CpuBackend backend = new CpuBackend(Precision.FP32);
                MixtralModel model = MixtralLoader.load(dir, backend)) {
            checkGreedy(model, golden, fixture);
        }
    }

    /** One prefill of the whole prompt with logits at every position. */
    static float[][] prefill(MixtralModel model, int[] ids, StepTrace trace) {
        int n = ids.length;
        int blockSize = 16;
        int blocks = (n + blockSize - 1) / blockSize;
        int[] table = new int[blocks];
        for (int i = 0; i < blocks; i++) table[i] = blocks - 1 - i; // deliberately not in order
        int[] pos = new int[n], seq = new int[n], slots = new int[n], all = new int[n];
        for (int i = 0; i < n; i++) {
            pos[i] = i;
            slots[i] = table[i / blockSize] * blockSize + i % blockSize;
            all[i] = i;
        }
        return model.forward(new ForwardBatch(ids, pos, seq, slots, new int[][] {table}, all), trace);
    }

    private static void checkTeacherForced(MixtralModel model, JsonNode p, String what) {
        int[] ids = Fixtures.ints(p.get("prompt_ids"));
        int topK = model.config().topK();
        List<int[]> routerIds = new ArrayList<>();
        float[][] logits = prefill(model, ids, (layer, expertIds, w) -> routerIds.add(expertIds));
        float[] last = logits[ids.length - 1];
        if (p.has("last_logits")) {
            float[] want = Fixtures.floats(p.get("last_logits"));
            assertEquals(want.length, last.length);
            assertWithin(want, last, what + " last_logits");
        }
        int[] top = Fixtures.ints(p.get("last_top20").get("ids"));
        float[] topLogits = Fixtures.floats(p.get("last_top20").get("logits"));
        for (int i = 0; i < top.length; i++) {
            assertEquals(topLogits[i], last[top[i]], LOGIT_TOL, what + " top20 id " + top[i]);
        }
        int[] argmax = Fixtures.ints(p.get("argmax_per_position"));
        for (int t = 0; t < ids.length; t++) {
            assertEquals(argmax[t], org.tramontane.engine.Sampler.argmax(logits[t]), what + " argmax at " + t);
        }
        JsonNode router = p.get("router");
        for (int l = 0; l < router.size(); l++) {
            JsonNode experts = router.get(l).get("experts");
            for (int t = 0; t < ids.length; t++) {
                int[] want = Fixtures.ints(experts.get(t));
                int[] got = java.util.Arrays.copyOfRange(routerIds.get(l), t * topK, (t + 1) * topK);
                assertArrayEquals(want, got, what + " router layer " + l + " position " + t);
            }
        }
    }

    private static void checkProbe(MixtralModel model, JsonNode probe, String fixture) {
        int[] ids = Fixtures.ints(probe.get("perturbed_prompt_ids"));
        float[] last = prefill(model, ids, null)[ids.length - 1];
        int[] top = Fixtures.ints(probe.get("last_top20_perturbed").get("ids"));
        float[] topLogits = Fixtures.floats(probe.get("last_top20_perturbed").get("logits"));
        for (int i = 0; i < top.length; i++) {
            assertEquals(topLogits[i], last[top[i]], LOGIT_TOL, fixture + " sliding-window probe id " + top[i]);
        }
    }

    private static void checkGreedy(MixtralModel model, JsonNode golden, String fixture) {
        List<GenerationRequest> requests = new ArrayList<>();
        List<JsonNode> prompts = new ArrayList<>();
        for (JsonNode p : golden.get("prompts")) {
            prompts.add(p);
            requests.add(new GenerationRequest(Fixtures.ints(p.get("prompt_ids")), p.get("greedy").get("ids").size(),
                    true, SamplingParams.greedy()));
        }
        // small blocks and a pool that forces several sequences to share it block by block
        Generator gen = new Generator(model, new EngineOptions(8, 0, 16, 32768), model.config().eosTokenId());
        List<GenerationResult> batched = gen.generate(requests, TokenListener.NONE);
        for (int i = 0; i < prompts.size(); i++) {
            JsonNode g = prompts.get(i).get("greedy");
            int[] want = Fixtures.ints(g.get("ids"));
            int[] got = batched.get(i).outputIds();
            for (int s = 0; s < want.length; s++) {
                assertEquals(want[s], got[s], fixture + "/" + prompts.get(i).get("name").asText() + " greedy step " + s);
                if (g.get("steps").get(s).get("margin").asDouble() < 1e-3) break;
            }
            // batched equals single
            GenerationResult single = gen.generate(List.of(requests.get(i)), TokenListener.NONE).get(0);
            assertArrayEquals(single.outputIds(), got, fixture + " batched vs single, prompt " + i);
        }
        // chunked prefill: steps of at most 7 tokens mix prompt chunks with other sequences' decodes
        model.close();
        Generator chunked = new Generator(model, new EngineOptions(8, 0, 16, 32768, 7), model.config().eosTokenId());
        List<GenerationResult> inChunks = chunked.generate(requests, TokenListener.NONE);
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(batched.get(i).outputIds(), inChunks.get(i).outputIds(), fixture + " chunked prefill, prompt " + i);
        }
    }

    private static void assertWithin(float[] want, float[] got, String what) {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs(want[i] - got[i]);
            if (d > worst) {
                worst = d;
                at = i;
            }
        }
        assertTrue(worst <= LOGIT_TOL, what + ": max |diff| " + worst + " at id " + at);
    }
}
