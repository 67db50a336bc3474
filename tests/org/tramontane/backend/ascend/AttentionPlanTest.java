package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tramontane.backend.AttentionMetadata;
import org.tramontane.backend.ascend.AttentionPlan.Kind;
import org.tramontane.backend.ascend.AttentionPlan.Run;

/** How a step's sequences split into PA_ENCODER prefills, PREFIX_ENCODER chunks and PagedAttention decodes. */
class AttentionPlanTest {
    private static void assertRun(Run r, Kind kind, int firstToken, int numTokens, int firstSeq, int[] queryLens,
            int[] seqLens) {
        assertEquals(kind, r.kind(), "kind of " + r);
        assertEquals(firstToken, r.firstToken(), "firstToken of " + r);
        assertEquals(numTokens, r.numTokens(), "numTokens of " + r);
        assertEquals(firstSeq, r.firstSeq(), "firstSeq of " + r);
        assertArrayEquals(queryLens, r.queryLens(), "queryLens of " + r);
        assertArrayEquals(seqLens, r.seqLens(), "seqLens of " + r);
    }

    private static List<Run> plan(int[] seq, int[] pos, int numSeqs, int window) {
        return AttentionPlan.of(AttentionMetadata.of(seq, pos, numSeqs, 1), window);
    }

    private static int[] a(int... v) {
        return v;
    }

    @Test
    void prefillsThenDecodesBecomeOneRunEachWithTheirLengths() {
        // seq 0: a 3-token prompt, seq 1: a 2-token prompt, seq 2 and 3: decode at positions 5 and 7
        List<Run> runs = plan(a(0, 0, 0, 1, 1, 2, 3), a(0, 1, 2, 0, 1, 5, 7), 4, 0);
        assertEquals(2, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.PREFILL, 0, 5, 0, a(3, 2), a(3, 2));
        assertRun(runs.get(1), Kind.DECODE, 5, 2, 2, a(1, 1), a(6, 8));
    }

    @Test
    void alternatingKindsSplitIntoRunsInBatchOrder() {
        List<Run> runs = plan(a(0, 1, 1, 2), a(4, 0, 1, 9), 3, 0);
        assertEquals(3, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.DECODE, 0, 1, 0, a(1), a(5));
        assertRun(runs.get(1), Kind.PREFILL, 1, 2, 1, a(2), a(2));
        assertRun(runs.get(2), Kind.DECODE, 3, 1, 2, a(1), a(10));
    }

    @Test
    void aOneTokenPromptIsADecodeOverAContextOfOne() {
        List<Run> runs = plan(a(0, 1), a(0, 3), 2, 0);
        assertEquals(1, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.DECODE, 0, 2, 0, a(1, 1), a(1, 4));
    }

    @Test
    void aPrefillContinuingACachedPrefixIsAChunkOverItsWholeContext() {
        // seq 0: tokens 4..6 of a prompt whose 0..3 are cached; seq 1: a chunk 12..13; seq 2: a whole prompt
        List<Run> runs = plan(a(0, 0, 0, 1, 1, 2, 2), a(4, 5, 6, 12, 13, 0, 1), 3, 0);
        assertEquals(2, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.CHUNK, 0, 5, 0, a(3, 2), a(7, 14));
        assertRun(runs.get(1), Kind.PREFILL, 5, 2, 2, a(2), a(2));
    }

    @Test
    void aContextReachingTheWindowIsRefusedAndOneBelowItRuns() {
        AscendException e = assertThrows(AscendException.class, () -> plan(a(0), a(8), 1, 8));
        assertTrue(e.getMessage().contains("sliding window 8") && e.getMessage().contains("position 8"), e.getMessage());
        assertRun(plan(a(0), a(7), 1, 8).get(0), Kind.DECODE, 0, 1, 0, a(1), a(8));
    }
}
