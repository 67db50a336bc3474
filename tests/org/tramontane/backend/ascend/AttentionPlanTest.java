package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tramontane.backend.ascend.AttentionPlan.Kind;
import org.tramontane.backend.ascend.AttentionPlan.Run;

/** How a step's flat batch splits into PA_ENCODER prefills and PagedAttention decodes. */
class AttentionPlanTest {
    private static void assertRun(Run r, Kind kind, int firstToken, int numTokens, int firstSeq, int... lens) {
        assertEquals(kind, r.kind(), "kind of " + r);
        assertEquals(firstToken, r.firstToken(), "firstToken of " + r);
        assertEquals(numTokens, r.numTokens(), "numTokens of " + r);
        assertEquals(firstSeq, r.firstSeq(), "firstSeq of " + r);
        assertArrayEquals(lens, r.lens(), "lens of " + r);
    }

    @Test
    void prefillsThenDecodesBecomeOneRunEachWithTheirLengths() {
        // seq 0: a 3-token prompt, seq 1: a 2-token prompt, seq 2 and 3: decode at positions 5 and 7
        int[] seq = {0, 0, 0, 1, 1, 2, 3};
        int[] pos = {0, 1, 2, 0, 1, 5, 7};
        List<Run> runs = AttentionPlan.of(seq, pos, seq.length, 0);
        assertEquals(2, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.PREFILL, 0, 5, 0, 3, 2);
        assertRun(runs.get(1), Kind.DECODE, 5, 2, 2, 6, 8);
    }

    @Test
    void alternatingKindsSplitIntoRunsInBatchOrder() {
        int[] seq = {0, 1, 1, 2};
        int[] pos = {4, 0, 1, 9};
        List<Run> runs = AttentionPlan.of(seq, pos, seq.length, 0);
        assertEquals(3, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.DECODE, 0, 1, 0, 5);
        assertRun(runs.get(1), Kind.PREFILL, 1, 2, 1, 2);
        assertRun(runs.get(2), Kind.DECODE, 3, 1, 2, 10);
    }

    @Test
    void aOneTokenPromptIsADecodeOverAContextOfOne() {
        List<Run> runs = AttentionPlan.of(new int[] {0, 1}, new int[] {0, 3}, 2, 0);
        assertEquals(1, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.DECODE, 0, 2, 0, 1, 4);
    }

    @Test
    void onlyTheFirstNumTokensEntriesCount() {
        // the step buffers are longer than the step: entries past numTokens are stale
        List<Run> runs = AttentionPlan.of(new int[] {0, 0, 0, 7}, new int[] {0, 1, 2, 40}, 3, 0);
        assertEquals(1, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.PREFILL, 0, 3, 0, 3);
    }

    @Test
    void aPrefillContinuingACachedPrefixIsRefused() {
        AscendException e = assertThrows(AscendException.class,
                () -> AttentionPlan.of(new int[] {0, 0}, new int[] {4, 5}, 2, 0));
        assertTrue(e.getMessage().contains("chunked prefill"), e.getMessage());
    }

    @Test
    void aContextReachingTheWindowIsRefusedAndOneBelowItRuns() {
        AscendException e = assertThrows(AscendException.class,
                () -> AttentionPlan.of(new int[] {0}, new int[] {8}, 1, 8));
        assertTrue(e.getMessage().contains("sliding window 8") && e.getMessage().contains("position 8"), e.getMessage());
        assertRun(AttentionPlan.of(new int[] {0}, new int[] {7}, 1, 8).get(0), Kind.DECODE, 0, 1, 0, 8);
    }

    @Test
    void sequencesOutOfOrderAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> AttentionPlan.of(new int[] {1, 0}, new int[] {3, 3}, 2, 0));
    }
}
