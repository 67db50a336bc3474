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
        return AttentionPlan.of(AttentionMetadata.of(seq, pos, numSeqs, 1), window, 4, 16);
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
    void chunksAfterPrefixesOf128RunAsPrefixEncoderRuns() {
        // blocks of 128, head dim 16: seq 0 is tokens 128..130 after 128 cached, seq 1 256..257, seq 2 a whole prompt
        int[] seq = a(0, 0, 0, 1, 1, 2, 2);
        int[] pos = a(128, 129, 130, 256, 257, 0, 1);
        List<Run> runs = AttentionPlan.of(AttentionMetadata.of(seq, pos, 3, 3), 0, 128, 16);
        assertEquals(2, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.CHUNK, 0, 5, 0, a(3, 2), a(131, 258));
        assertRun(runs.get(1), Kind.PREFILL, 5, 2, 2, a(2), a(2));
    }

    /** PREFIX_ENCODER wants block size 128, prefixes of multiples of 128, head sizes of multiples of 16 up to 128. */
    @Test
    void chunksPrefixEncoderCannotTakeRunAQueryPerToken() {
        AttentionMetadata m = AttentionMetadata.of(a(0, 0), a(128, 129), 1, 3);
        assertEquals(Kind.CHUNK, AttentionPlan.of(m, 0, 128, 128).get(0).kind());
        for (List<Run> runs : List.of(AttentionPlan.of(m, 0, 64, 16), AttentionPlan.of(m, 0, 128, 8),
                AttentionPlan.of(m, 0, 128, 144))) {
            assertEquals(1, runs.size(), runs.toString());
            assertEquals(Kind.QUERIES, runs.get(0).kind(), runs.toString());
        }
        // a prefix of 127: each token reads its whole context [0, p] through the sequence's own row
        List<Run> runs = AttentionPlan.of(AttentionMetadata.of(a(0, 0), a(127, 128), 1, 2), 0, 128, 16);
        assertRun(runs.get(0), Kind.QUERIES, 0, 2, 0, a(2), a(129));
        AttentionPlan.Queries q = runs.get(0).queries();
        assertArrayEquals(a(0, 0), q.tableRows());
        assertArrayEquals(a(0, 0), q.firstBlocks());
        assertArrayEquals(a(128, 129), q.contextLens());
        assertArrayEquals(a(0, 0), q.maskedLens());
        assertEquals(2, q.rowBlocks());
        assertEquals(129, q.maxContextLen());
    }

    @Test
    void aContextPastTheWindowRunsAPagedQueryPerTokenFromItsWindowsFirstBlock() {
        // window 8, blocks of 4: seq 0 decodes at 9; seq 1 is a chunk at 10..12; seq 2 decodes at 7 (context = window)
        List<Run> runs = plan(a(0, 1, 1, 1, 2), a(9, 10, 11, 12, 7), 3, 8);
        assertEquals(2, runs.size(), runs.toString());
        assertRun(runs.get(0), Kind.QUERIES, 0, 4, 0, a(1, 3), a(10, 13));
        AttentionPlan.Queries w = runs.get(0).queries();
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
