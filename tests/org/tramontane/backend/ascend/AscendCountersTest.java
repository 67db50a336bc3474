package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tramontane.config.Precision;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.Generator;
import org.tramontane.engine.SamplingParams;
import org.tramontane.model.MixtralLoader;
import org.tramontane.model.MixtralModel;
import org.tramontane.testing.Fixtures;

/**
 * The device-speed figures of a decode step on the simulator (tiny-mixtral, world size 1, one
 * sequence): after the first decode step no step allocates device memory (the calls' temporaries
 * come from blocks kept across calls), and the operations created and the stream syncs stay within
 * today's figures, which are still one ATB operation per kernel and one sync per SPI call.
 */
class AscendCountersTest {
    // today's figures per decode step of tiny-mixtral (2 layers): the ceilings a change must keep
    private static final long MAX_ATB_OPERATIONS = 83;
    private static final long MAX_ACLNN_EXECUTORS = 10;
    private static final long MAX_STREAM_SYNCS = 27;

    @Test
    void decodeStepsAfterWarmUpAllocateNoDeviceMemory() {
        Path dir = Fixtures.dir("tiny-mixtral");
        JsonNode prompt = Fixtures.json(dir.resolve("golden.json")).get("prompts").get(1);
        List<DeviceCounters> afterStep = new ArrayList<>();
        try (AscendBackend backend = AscendBackend.open(Precision.FP16, true);
                MixtralModel model = MixtralLoader.load(dir, backend)) {
            Generator gen = new Generator(model, new EngineOptions(16, 0, 8, 0), model.config().eosTokenId());
            GenerationRequest req = new GenerationRequest(Fixtures.ints(prompt.get("prompt_ids")), 8, true,
                    SamplingParams.greedy());
            gen.generate(List.of(req), (r, step, token, logits) -> afterStep.add(backend.device().counters()));
        }
        assertTrue(afterStep.size() >= 4, "steps run: " + afterStep.size());
        for (int s = 1; s < afterStep.size(); s++) {
            DeviceCounters step = afterStep.get(s).since(afterStep.get(s - 1));
            System.out.printf("decode step %d: %s%n", s, step);
            if (s >= 2) assertEquals(0, step.deviceMallocs(), "device mallocs in decode step " + s);
            assertTrue(step.atbOperationsCreated() <= MAX_ATB_OPERATIONS, "decode step " + s + ": " + step);
            assertTrue(step.aclnnExecutorsCreated() <= MAX_ACLNN_EXECUTORS, "decode step " + s + ": " + step);
            assertTrue(step.streamSyncs() <= MAX_STREAM_SYNCS, "decode step " + s + ": " + step);
        }
    }
}
