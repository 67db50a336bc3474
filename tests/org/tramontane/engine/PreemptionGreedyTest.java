package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tramontane.backend.Backend;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.Precision;
import org.tramontane.kvcache.BlockTable;
import org.tramontane.model.MixtralLoader;
import org.tramontane.model.MixtralModel;
import org.tramontane.testing.Fixtures;

/**
 * tiny-mixtral's golden prompts, greedy, through the real forward pass: a KV pool that holds the
 * longest request but not all of them at once preempts and recomputes, with prefills in chunks,
 * and yields the same token ids as a pool with room for everything.
 */
class PreemptionGreedyTest {
    private static final int BLOCK_SIZE = 4;
    private static final int NEW_TOKENS = 16;

    @Test
    void aTinyPoolPreemptsAndKeepsTheGreedyTokens() {
        Path dir = Fixtures.dir("tiny-mixtral");
        List<GenerationRequest> reqs = new ArrayList<>();
        int maxBlocks = 0, allBlocks = 0;
        for (JsonNode p : Fixtures.json(dir.resolve("golden.json")).get("prompts")) {
            int[] ids = Fixtures.ints(p.get("prompt_ids"));
            reqs.add(new GenerationRequest(ids, NEW_TOKENS, true, SamplingParams.greedy()));
            int blocks = BlockTable.blocksFor(ids.length + NEW_TOKENS, BLOCK_SIZE);
            maxBlocks = Math.max(maxBlocks, blocks);
            allBlocks += blocks;
        }
        int tightBlocks = maxBlocks + 2;
        assertTrue(tightBlocks < allBlocks / 2, "the tight pool holds less than half of what all requests need");

        Run roomy = run(dir, reqs, new EngineOptions(BLOCK_SIZE, 0, 8, 0));
        Run tight = run(dir, reqs, new EngineOptions(BLOCK_SIZE, tightBlocks, 8, 0, 16));
        assertEquals(0, roomy.numPreemptions(), "a pool with room for all never preempts");
        assertTrue(tight.numPreemptions() > 0, "the tight pool preempts");
        for (int i = 0; i < reqs.size(); i++) {
            assertEquals(NEW_TOKENS, roomy.outputs().get(i).outputIds().length);
            assertArrayEquals(roomy.outputs().get(i).outputIds(), tight.outputs().get(i).outputIds(), "prompt " + i);
        }
    }

    private record Run(List<GenerationResult> outputs, long numPreemptions) {
    }

    /** Generates on a freshly loaded model, so each run allocates its own KV pool. */
    private static Run run(Path dir, List<GenerationRequest> reqs, EngineOptions options) {
        try (Backend backend = BackendKind.CPU.create(Precision.FP32);
                MixtralModel model = MixtralLoader.load(dir, backend)) {
            Generator gen = new Generator(model, options, model.config().eosTokenId());
            List<GenerationResult> out = gen.generate(reqs, TokenListener.NONE);
            return new Run(out, gen.numPreemptions());
        }
    }
}
