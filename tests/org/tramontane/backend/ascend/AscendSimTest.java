package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.config.Precision;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.engine.SamplingParams;
import org.tramontane.testing.Fixtures;

/**
 * The whole model through the ascend binding on the CPU simulator: fp16 device math against the
 * fixtures' goldens (DESIGN.md low-precision tolerance: logits within 0.1, greedy equal while the
 * golden margin exceeds 0.1) at world sizes 1, 2 and 4, and against {@code --backend cpu --dtype fp16}.
 */
class AscendSimTest {
    private static final double TOL = 0.1;

    record Run(float[][] firstLogits, List<GenerationResult> results, List<JsonNode> prompts) {}

    static Run generate(String fixture, BackendKind kind, int worldSize) {
        Path dir = Fixtures.dir(fixture);
        JsonNode golden = Fixtures.json(dir.resolve("golden.json"));
        List<GenerationRequest> reqs = new ArrayList<>();
        List<JsonNode> prompts = new ArrayList<>();
        for (JsonNode p : golden.get("prompts")) {
            prompts.add(p);
            reqs.add(new GenerationRequest(Fixtures.ints(p.get("prompt_ids")), p.get("greedy").get("ids").size(), true,
                    SamplingParams.greedy()));
        }
        float[][] first = new float[reqs.size()][];
        ModelSource src = new ModelSource(dir, ModelSource.LoadFormat.AUTO, DType.F16, kind, 0, worldSize);
        try (LlmEngine engine = LlmEngine.open(src, new EngineOptions(16, 0, 8, 0))) {
            List<GenerationResult> out = engine.generate(reqs, (r, step, tok, logits) -> {
                if (step == 0) first[r] = logits.clone();
            });
            return new Run(first, out, prompts);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void bf16FixtureMatchesGoldenInFp16(int worldSize) {
        Run run = generate("tiny-mixtral-bf16", BackendKind.ASCEND_SIM, worldSize);
        for (int i = 0; i < run.prompts().size(); i++) {
            JsonNode p = run.prompts().get(i);
            String what = "tiny-mixtral-bf16 ws " + worldSize + " " + p.get("name").asText();
            int[] top = Fixtures.ints(p.get("last_top20").get("ids"));
            float[] topLogits = Fixtures.floats(p.get("last_top20").get("logits"));
            for (int j = 0; j < top.length; j++) {
                assertEquals(topLogits[j], run.firstLogits()[i][top[j]], TOL, what + " top20 id " + top[j]);
            }
            if (p.has("last_logits")) {
                float[] want = Fixtures.floats(p.get("last_logits"));
                double worst = 0;
                for (int v = 0; v < want.length; v++) worst = Math.max(worst, Math.abs(want[v] - run.firstLogits()[i][v]));
                assertTrue(worst <= TOL, what + ": max |logit diff| " + worst);
            }
            greedyEqual(p, run.results().get(i).outputIds(), what);
        }
    }

    /**
     * The fp32-stored fixtures against {@code --backend cpu --dtype fp16} at the same world size.
     * tiny-mixtral bos_only is left out: its layer-0 router logits for experts 1 and 3 differ by 2e-5
     * (golden router_layer0_last), so any fp16 rounding may pick either as second expert and move
     * the logits by 0.26 on either backend; that prompt tests the tie, not the binding.
     */
    @ParameterizedTest
    @CsvSource({"tiny-mixtral, 1", "tiny-mixtral-8h, 1", "tiny-mixtral-8h, 2", "tiny-mixtral-8h, 4", "tiny-mixtral-8h, 8"})
    void fp32FixtureAgreesWithCpuFp16(String fixture, int worldSize) {
        Run cpu = generate(fixture, BackendKind.CPU, worldSize);
        Run npu = generate(fixture, BackendKind.ASCEND_SIM, worldSize);
        for (int i = 0; i < cpu.prompts().size(); i++) {
            JsonNode p = cpu.prompts().get(i);
            if (fixture.equals("tiny-mixtral") && p.get("name").asText().equals("bos_only")) continue;
            String what = fixture + " ws " + worldSize + " " + p.get("name").asText();
            double worst = 0;
            for (int v = 0; v < cpu.firstLogits()[i].length; v++) {
                worst = Math.max(worst, Math.abs(cpu.firstLogits()[i][v] - npu.firstLogits()[i][v]));
            }
            System.out.printf("%s: max |logit diff| vs cpu fp16 %.4f%n", what, worst);
            assertTrue(worst <= TOL, what + ": max |logit diff| vs cpu fp16 " + worst);
            int[] want = cpu.results().get(i).outputIds();
            int[] got = npu.results().get(i).outputIds();
            JsonNode steps = p.get("greedy").get("steps");
            for (int s = 0; s < want.length && s < steps.size() && steps.get(s).get("margin").asDouble() > TOL; s++) {
                assertEquals(want[s], got[s], what + " greedy step " + s);
            }
        }
    }

    private static void greedyEqual(JsonNode p, int[] got, String what) {
        int[] want = Fixtures.ints(p.get("greedy").get("ids"));
        JsonNode steps = p.get("greedy").get("steps");
        for (int s = 0; s < want.length && steps.get(s).get("margin").asDouble() > TOL; s++) {
            assertEquals(want[s], got[s], what + " greedy step " + s);
        }
    }

    // ---------------------------------------------------------------- failure modes

    @Test
    void realBackendWithoutRuntimeFailsWithSetupLine() {
        AscendException e = assertThrows(AscendException.class, () -> BackendKind.ASCEND.create(Precision.FP16));
        assertTrue(e.getMessage().contains("set_env.sh") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void fp32IsRefused() {
        AscendException e = assertThrows(AscendException.class, () -> BackendKind.ASCEND_SIM.create(Precision.FP32));
        assertTrue(e.getMessage().startsWith("--backend ascend-sim ") && e.getMessage().contains("--dtype fp32"),
                e.getMessage());
    }

    @Test
    void deviceCallOnAThreadWithoutSetDeviceIs107002() {
        try (AscendBackend b = AscendBackend.open(Precision.FP16, true)) {
            long[] out = new long[1];
            // this (test) thread never called aclrtSetDevice: only the backend's device thread did
            int status = AscendNative.tna_malloc(b.device().handle(), 64, out);
            assertEquals(107002, status);
            assertTrue(AscendNative.tna_last_error().contains("aclrtMalloc"), AscendNative.tna_last_error());
        }
    }

    @Test
    void overLargeAllocationIs207001NamingTheOperation() {
        try (AscendBackend b = AscendBackend.open(Precision.FP16, true)) {
            AscendException e = assertThrows(AscendException.class, () -> b.allocate(DType.F32, 1L << 35));
            assertTrue(e.getMessage().contains("aclrtMalloc") && e.getMessage().contains("207001"), e.getMessage());
        }
    }

    /** Operations are queued, not synchronised: a kernel fault surfaces at the next sync, naming the kernel. */
    @Test
    void kernelFaultSurfacesAtTheNextSyncNamingTheOperation() {
        try (AscendBackend b = AscendBackend.open(Precision.FP16, true)) {
            var layout = new org.tramontane.backend.QkvLayout(2, 1, 4);
            var cache = b.allocateKvCache(new org.tramontane.backend.KvCacheSpec(2, 4, 1, 4, DType.F16));
            DeviceTensor qkv = b.allocate(DType.F16, 1, layout.width());
            DeviceTensor slots = b.allocate(DType.I32, 1);
            b.write(slots, new int[] {99});
            DeviceTensor zero = b.allocate(DType.I32, 1);
            DeviceTensor one = b.allocate(DType.I32, 1);
            b.write(one, new int[] {1});
            var meta = org.tramontane.backend.AttentionMetadata.of(new int[] {0}, new int[] {0}, 1, 1);
            DeviceTensor starts = b.allocate(DType.I32, 2);
            b.write(starts, meta.queryStartLoc());
            var batch = new org.tramontane.backend.AttentionBatch(meta, zero, zero, slots, b.allocate(DType.I32, 1, 1),
                    starts, one, one, zero);
            b.reshapeAndCache(qkv, layout, cache, batch);
            AscendException e = assertThrows(AscendException.class, () -> b.read(slots, new int[1]));
            assertTrue(e.getMessage().contains("ReshapeAndCache") && e.getMessage().contains("aclrtSynchronizeStream")
                    && e.getMessage().contains("507015"), e.getMessage());
        }
    }

    @Test
    void aWorkspaceSmallerThanSetupAskedIsRefused() {
        try (AscendBackend b = AscendBackend.open(Precision.FP16, true)) {
            AscendDevice d = b.device();
            String m = assertThrows(AscendException.class,
                    () -> d.run("probe", () -> AscendProbes.tnp_short_workspace(d.handle()))).getMessage();
            assertTrue(m.contains("Linear") && m.contains("Execute") && m.contains("workspace"), m);
        }
    }

    @Test
    void contextLensWithoutHostDataAreRefused() {
        try (AscendBackend b = AscendBackend.open(Precision.FP16, true)) {
            AscendDevice d = b.device();
            String m = assertThrows(AscendException.class,
                    () -> d.run("probe", () -> AscendProbes.tnp_context_lens_without_host_data(d.handle()))).getMessage();
            assertTrue(m.contains("PagedAttention") && m.contains("hostData"), m);
        }
    }
}
