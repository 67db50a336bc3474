package org.tramontane.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tramontane.backend.cpu.StreamChoice.Prefetch;
import org.tramontane.backend.cpu.StreamChoice.Split;
import org.tramontane.config.DType;

/** The choosing logic on injected timings: no machine, no clock. */
class StreamTunerTest {
    private static final StreamChoice B = StreamChoice.BUILT_IN;

    /** A timer that answers from a table (the built-in time for anything not in it) and records what it was asked. */
    private static final class FakeTimer implements StreamTuner.Timer {
        final Map<StreamChoice, Double> times = new HashMap<>();
        final List<StreamChoice> asked = new ArrayList<>();
        final double base;

        FakeTimer(double base) {
            this.base = base;
        }

        @Override
        public double nsPerCall(StreamChoice c) {
            asked.add(c);
            return times.getOrDefault(c, base);
        }
    }

    @Test
    void theIncumbentStaysUnlessACandidateBeatsItByTheMargin() {
        StreamChoice t0 = B.withPrefetch(Prefetch.T0, 1024);
        StreamChoice t1 = B.withPrefetch(Prefetch.T1, 1024);
        double justInside = 100 * (1 - StreamTuner.MIN_GAIN) + 0.01;
        assertEquals(B, StreamTuner.fastest(List.of(new StreamTuner.Timing(B, 100), new StreamTuner.Timing(t0, justInside)), B));
        assertEquals(t0, StreamTuner.fastest(List.of(new StreamTuner.Timing(B, 100), new StreamTuner.Timing(t0, 90),
                new StreamTuner.Timing(t1, 92)), B));
        // the fastest wins, not the first one past the margin
        assertEquals(t1, StreamTuner.fastest(List.of(new StreamTuner.Timing(B, 100), new StreamTuner.Timing(t0, 90),
                new StreamTuner.Timing(t1, 80)), B));
        assertThrows(IllegalArgumentException.class, () -> StreamTuner.fastest(List.of(new StreamTuner.Timing(t0, 1)), B));
    }

    @Test
    void equalTimingsKeepTheBuiltInStreams() {
        FakeTimer timer = new FakeTimer(1000);
        StreamTuner.Result r = StreamTuner.tune(DType.BF16, timer, 3);
        assertEquals(B, r.choice());
        assertEquals(1.0, r.speedup());
        // every stage's candidates, the incumbent among them, three rounds each
        int perRound = StreamTuner.prefetchCandidates(B).size() + StreamTuner.streamCandidates(B).size()
                + StreamTuner.splitCandidates(B, DType.BF16).size();
        assertEquals(3 * perRound, timer.asked.size());
        assertEquals(9, timer.asked.stream().filter(B::equals).count());
    }

    @Test
    void eachCandidateKeepsItsBestRound() {
        StreamChoice t0 = B.withPrefetch(Prefetch.T0, 1024);
        int[] calls = {0};
        // the built-in streams' first round ran under a burst of load; t0 is 5% faster than its best round
        StreamTuner.Timer timer = c -> {
            calls[0]++;
            if (c.equals(B)) return calls[0] == 1 ? 5000 : 1000;
            return c.equals(t0) ? 950 : 1000;
        };
        StreamTuner.Result r = StreamTuner.tune(DType.BF16, timer, 2);
        assertEquals(t0, r.choice());
        assertEquals(1000.0, r.builtInNsPerCall());
        assertEquals(950.0, r.nsPerCall());
    }

    @Test
    void eachStageBuildsOnTheLastOnesChoice() {
        FakeTimer timer = new FakeTimer(1000);
        StreamChoice t0 = B.withPrefetch(Prefetch.T0, 512);
        StreamChoice oneStream = t0.withStreams(1);
        StreamChoice shares = oneStream.withSplit(32, Split.SHARES);
        timer.times.put(t0, 800.0);
        timer.times.put(B.withPrefetch(Prefetch.T1, 4096), 810.0);
        timer.times.put(oneStream, 700.0);
        timer.times.put(B.withStreams(1), 100.0);  // never asked: stage 2 starts from stage 1's choice
        timer.times.put(shares, 600.0);
        StreamTuner.Result r = StreamTuner.tune(DType.BF16, timer, 2);
        assertEquals(shares, r.choice());
        assertEquals(600.0, r.nsPerCall());
        assertEquals(1000.0, r.builtInNsPerCall());
        assertFalse(timer.asked.contains(B.withStreams(1)));
        // the built-in streams are timed again in every stage, beside the incumbent
        assertEquals(3 * 2, timer.asked.stream().filter(B::equals).count());
    }

    @Test
    void candidatesCoverEveryHintAndDistanceAndInt8KeepsItsBlocks() {
        List<StreamChoice> p = StreamTuner.prefetchCandidates(B);
        assertTrue(p.contains(B) && p.contains(B.withPrefetch(Prefetch.NONE, 0)));
        for (Prefetch h : new Prefetch[] {Prefetch.NTA, Prefetch.T1, Prefetch.T0}) {
            for (int d : StreamTuner.DISTANCES) assertTrue(p.contains(B.withPrefetch(h, d)), h + " " + d);
        }
        assertEquals(p.size(), p.stream().distinct().count());
        assertTrue(StreamTuner.splitCandidates(B, DType.I8).stream().allMatch(c -> c.blockRows() == 32));
        assertTrue(StreamTuner.splitCandidates(B, DType.BF16).stream().anyMatch(c -> c.blockRows() == 128));
    }

    @Test
    void aChoiceOutsideWhatTheKernelsTakeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StreamChoice(Prefetch.T0, 1024, 3, 32, Split.ITEMS));
        assertThrows(IllegalArgumentException.class, () -> new StreamChoice(Prefetch.T0, 1024, 2, 48, Split.ITEMS));
        assertThrows(IllegalArgumentException.class, () -> new StreamChoice(Prefetch.T0, -1, 2, 32, Split.ITEMS));
        assertEquals("nta 2048 B, 2 streams, 32-row items", B.describe());
        assertEquals("no prefetch, 1 stream, 32-row items in one share per thread",
                B.withPrefetch(Prefetch.NONE, 0).withStreams(1).withSplit(32, Split.SHARES).describe());
    }
}
