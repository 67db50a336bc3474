package org.tramontane.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tramontane.engine.GenerationRequest;

class StepTimingTest {
    // called at 0, first token at 2 ms, then steps ending at 5 and 9 ms, returned at 10 ms
    private final StepTiming t = new StepTiming(1_000_000_000L, 1_010_000_000L,
            new long[] {1_002_000_000L, 1_005_000_000L, 1_009_000_000L});

    @Test
    void splitsTheCallIntoPrefillAndDecodeSteps() {
        assertEquals(10.0, t.totalMs(), 1e-9);
        assertEquals(2.0, t.firstTokenMs(), 1e-9);
        assertArrayEquals(new double[] {3.0, 4.0}, t.decodeStepMs(), 1e-9);
        assertEquals(0.007, t.decodeSeconds(), 1e-12);
    }

    @Test
    void requestsAreGreedyIgnoreEosOfTheGivenLength() {
        List<GenerationRequest> r = StepTiming.requests(List.of(new int[] {1, 2}, new int[] {1, 3}), 4);
        assertEquals(2, r.size());
        for (GenerationRequest q : r) {
            assertEquals(4, q.maxNewTokens());
            assertEquals(true, q.ignoreEos());
            assertEquals(org.tramontane.engine.SamplingParams.greedy(), q.sampling());
        }
        assertArrayEquals(new int[] {1, 3}, r.get(1).promptIds());
    }
}
