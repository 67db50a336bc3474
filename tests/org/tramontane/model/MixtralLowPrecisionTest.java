package org.tramontane.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.config.Precision;
import org.tramontane.backend.cpu.CpuBackend;
import org.tramontane.backend.Isa;
import org.tramontane.backend.cpu.CpuPlatform;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.Generator;
import org.tramontane.engine.SamplingParams;
import org.tramontane.engine.TokenListener;
import org.tramontane.testing.Fixtures;

/**
 * The low-precision modes against the fp32-compute goldens of fixtures stored in that precision
 * (DESIGN.md, Precision): {@code --dtype bf16} (bf16 weights, bf16-rounded activations at every
 * matmul, bf16 KV cache) on tiny-mixtral-bf16 and {@code --dtype fp16} (fp16 weights and KV cache,
 * f32 activations) on tiny-mixtral-swa, on every ISA level this CPU has. Logits within 0.1;
 * greedy tokens equal while the golden's top-2 margin exceeds 0.1.
 */
class MixtralLowPrecisionTest {
    private static final double LOGIT_TOL = 0.1;
    private static final double MARGIN = 0.1;

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (Isa isa : CpuPlatform.get().supportedIsas()) {
            a.add(Arguments.of("tiny-mixtral-bf16", Precision.BF16, isa));
            a.add(Arguments.of("tiny-mixtral-swa", Precision.FP16, isa));
        }
        return a.stream();
    }

    @AfterEach
    void restore() {
        CpuPlatform.get().forceIsa(CpuPlatform.get().highestIsa());
    }

    @ParameterizedTest(name = "{0} {1} isa {2}")
    @MethodSource("cases")
    void matchesTransformersWithinLowPrecisionTolerance(String fixture, Precision precision, Isa isa) {
        CpuPlatform.get().forceIsa(isa);
        Path dir = Fixtures.dir(fixture);
        JsonNode golden = Fixtures.json(dir.resolve("golden.json"));
        String what = fixture + " " + precision + " isa " + isa.cliName;
        try (CpuBackend backend = new CpuBackend(precision);
                MixtralModel model = MixtralLoader.load(dir, backend)) {
            model.allocateKvCache(64, 16);
            for (JsonNode p : golden.get("prompts")) {
                int[] ids = Fixtures.ints(p.get("prompt_ids"));
                float[] last = MixtralGoldenTest.prefill(model, ids, null)[ids.length - 1];
                String name = what + "/" + p.get("name").asText();
                if (p.has("last_logits")) {
                    float[] want = Fixtures.floats(p.get("last_logits"));
                    assertEquals(want.length, last.length);
                    double worst = 0;
                    for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - last[i]));
                    assertTrue(worst <= LOGIT_TOL, name + " last_logits: max |diff| " + worst);
                }
                int[] top = Fixtures.ints(p.get("last_top20").get("ids"));
                float[] topLogits = Fixtures.floats(p.get("last_top20").get("logits"));
                for (int i = 0; i < top.length; i++) {
                    assertEquals(topLogits[i], last[top[i]], LOGIT_TOL, name + " top20 id " + top[i]);
                }
            }
        }
        try (CpuBackend backend = new CpuBackend(precision);
                MixtralModel model = MixtralLoader.load(dir, backend)) {
            List<GenerationRequest> requests = new ArrayList<>();
            List<JsonNode> prompts = new ArrayList<>();
            for (JsonNode p : golden.get("prompts")) {
                prompts.add(p);
                requests.add(new GenerationRequest(Fixtures.ints(p.get("prompt_ids")),
                        p.get("greedy").get("ids").size(), true, SamplingParams.greedy()));
            }
            Generator gen = new Generator(model, new EngineOptions(8, 0, 16, 32768), model.config().eosTokenId());
            List<GenerationResult> results = gen.generate(requests, TokenListener.NONE);
            for (int i = 0; i < prompts.size(); i++) {
                JsonNode g = prompts.get(i).get("greedy");
                int[] want = Fixtures.ints(g.get("ids"));
                int[] got = results.get(i).outputIds();
                for (int s = 0; s < want.length; s++) {
                    if (g.get("steps").get(s).get("margin").asDouble() <= MARGIN) break;
                    assertEquals(want[s], got[s], what + "/" + prompts.get(i).get("name").asText() + " greedy step " + s);
                }
            }
        }
    }
}
