package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.config.Precision;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.Generator;
import org.tramontane.engine.SamplingParams;
import org.tramontane.engine.TensorParallelLm;
import org.tramontane.model.CausalLm;
import org.tramontane.model.MixtralLoader;
import org.tramontane.parallel.Communicator;
import org.tramontane.parallel.ShardingPlan;
import org.tramontane.testing.Fixtures;

/**
 * The device-speed figures of a forward step on the simulator (tiny-mixtral-8h, one sequence,
 * world sizes 1 and 4): after warm-up (the prefill step and the first decode step, which meet each
 * shape first) a decode step creates no ATB operation and no aclnn executor (both kept per param /
 * shape and reused), allocates no device memory (the temporaries come from blocks kept across
 * calls), and every decode step synchronises each device's stream at most twice.
 */
class AscendCountersTest {
    private static final long MAX_STREAM_SYNCS_PER_STEP = 2;

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void decodeStepsAfterWarmUpCreateNothingAndSyncAtMostTwice(int worldSize) {
        Path dir = Fixtures.dir("tiny-mixtral-8h");
        MixtralConfig cfg = MixtralConfigReader.read(dir.resolve("config.json"));
        JsonNode prompt = Fixtures.json(dir.resolve("golden.json")).get("prompts").get(1);
        List<AscendBackend> group = AscendBackend.openGroup(Precision.FP16, true, worldSize, 60);
        List<List<DeviceCounters>> afterStep = new ArrayList<>();
        try {
            List<CausalLm> ranks = new ArrayList<>();
            List<Communicator> comms = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                Communicator host = new AscendHcclSimTest.HostForbidden(r, worldSize);
                comms.add(host);
                ranks.add(MixtralLoader.load(dir, cfg,
                        new MixtralLoader.Rank(group.get(r), ShardingPlan.of(cfg, worldSize, r), host), null));
            }
            try (CausalLm model = worldSize == 1 ? ranks.get(0) : new TensorParallelLm(ranks, comms)) {
                Generator gen = new Generator(model, new EngineOptions(16, 0, 8, 0), cfg.eosTokenId());
                GenerationRequest req = new GenerationRequest(Fixtures.ints(prompt.get("prompt_ids")), 8, true,
                        SamplingParams.greedy());
                gen.generate(List.of(req), (r, step, token, logits) ->
                        afterStep.add(group.stream().map(b -> b.device().counters()).toList()));
            }
        } finally {
            for (AscendBackend b : group) b.close();
        }
        assertTrue(afterStep.size() >= 6, "steps run: " + afterStep.size());
        for (int s = 1; s < afterStep.size(); s++) {
            for (int r = 0; r < worldSize; r++) {
                DeviceCounters step = afterStep.get(s).get(r).since(afterStep.get(s - 1).get(r));
                System.out.printf("world size %d, rank %d, decode step %d: %s%n", worldSize, r, s, step.describe());
                assertTrue(step.streamSyncs() <= MAX_STREAM_SYNCS_PER_STEP, "rank " + r + ", decode step " + s + ": " + step);
                if (s < 2) continue;  // the first decode step meets the decode shapes first
                assertEquals(0, step.atbOperationsCreated(), "rank " + r + ", decode step " + s + ": " + step);
                assertEquals(0, step.aclnnExecutorsCreated(), "rank " + r + ", decode step " + s + ": " + step);
                assertEquals(0, step.deviceMallocs(), "rank " + r + ", decode step " + s + ": " + step);
            }
        }
    }

    /** The print switch (--verbose sets the property): one line per forward step and device on stderr. */
    @Test
    void theSwitchPrintsEachStepsCounters() {
        Path dir = Fixtures.dir("tiny-mixtral-8h");
        JsonNode prompt = Fixtures.json(dir.resolve("golden.json")).get("prompts").get(1);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setProperty(DeviceCounters.PROPERTY, "true");
        try (PrintStream to = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setErr(to);
            try (AscendBackend backend = AscendBackend.open(Precision.FP16, true);
                    CausalLm model = MixtralLoader.load(dir, backend)) {
                Generator gen = new Generator(model, new EngineOptions(16, 0, 8, 0), 2);
                gen.generate(List.of(new GenerationRequest(Fixtures.ints(prompt.get("prompt_ids")), 4, true,
                        SamplingParams.greedy())), (r, step, token, logits) -> { });
            }
        } finally {
            System.setErr(err);
            System.clearProperty(DeviceCounters.PROPERTY);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(4, lines.size(), String.join("\n", lines));
        for (int s = 0; s < lines.size(); s++) {
            assertTrue(lines.get(s).matches("ascend-sim device \\d+ step " + s + ": \\d+ ATB operations created, \\d+ aclnn"
                    + " executors created, \\d+ device mallocs, \\d+ stream syncs"), lines.get(s));
        }
        assertTrue(lines.get(3).endsWith(": 0 ATB operations created, 0 aclnn executors created, 0 device mallocs,"
                + " 1 stream syncs"), lines.get(3));
    }
}
