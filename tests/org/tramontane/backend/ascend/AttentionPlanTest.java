package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        return AttentionPlan.of(AttentionMetadata.of(seq, pos, numSeqs, 1), window, 4);
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
    void aContextPastTheWindowRunsAPagedQueryPerTokenFromItsWindowsFirstBlock() {
        // window 8, blocks of 4: seq 0 decodes at 9; seq 1 is a chunk at 10..12; seq 2 decodes at 7 (context = window)
        List<Run> runs = plan(a(0, 1, 1, 1, 2), a(9, 10, 11, 12, 7), 3, 8);
        assertEquals(2, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.WINDOW, 0, 4, 0, a(1, 3), a(10, 13));
        AttentionPlan.Window w = runs.get(0).window();
        assertArrayEquals(a(0, 1, 1, 1), w.tableRows());
        // position p keeps keys p-7..p: p 9 from key 2 (block 0), p 10 from 3, p 11 from 4 (block 1), p 12 from 5
        assertArrayEquals(a(0, 0, 1, 1), w.firstBlocks());
        assertArrayEquals(a(10, 11, 8, 9), w.contextLens());
        assertArrayEquals(a(2, 3, 0, 1), w.maskedLens());
        assertEquals(3, w.rowBlocks());
        assertEquals(11, w.maxContextLen());
        assertRun(runs.get(1), Kind.DECODE, 4, 1, 2, a(1), a(8));
    }

    @Test
    void tokensOutOfPositionOrderAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> plan(a(0, 0), a(1, 0), 1, 0));
    }
}
