package org.tramontane.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The per-step attention metadata computed from a flat batch (vLLM's CommonAttentionMetadata). */
class AttentionMetadataTest {
    private static int[] a(int... v) {
        return v;
    }

    @Test
    void decodesPrefillsAndChunksGiveTheirLengthsAndSplit() {
        // seq 0: decode at position 9; seq 1: a 3-token prompt; seq 2: a chunk at 4..5 after 4 cached; seq 3: decode at 0
        AttentionMetadata m = AttentionMetadata.of(a(0, 1, 1, 1, 2, 2, 3), a(9, 0, 1, 2, 4, 5, 0), 4, 3);
        assertEquals(7, m.numTokens());
        assertEquals(4, m.numSeqs());
        assertEquals(3, m.maxBlocksPerSeq());
        assertArrayEquals(a(0, 1, 4, 6, 7), m.queryStartLoc());
        assertArrayEquals(a(1, 3, 2, 1), m.queryLens());
        assertArrayEquals(a(10, 3, 6, 1), m.seqLens());
        assertArrayEquals(a(9, 0, 4, 0), m.computedLens());
        assertEquals(2, m.numDecodes());
        assertEquals(2, m.numPrefills());
        assertEquals(5, m.numPrefillTokens());
        assertFalse(m.decodesFirst(), "seq 3 decodes after the prefills");
        assertEquals(3, m.maxQueryLen());
        assertEquals(10, m.maxSeqLen());
        assertTrue(m.isDecode(0) && !m.isDecode(1) && !m.isDecode(2) && m.isDecode(3));
        assertTrue(m.inOrder());
    }

    @Test
    void decodesBeforePrefillsAreInVllmOrder() {
        AttentionMetadata m = AttentionMetadata.of(a(0, 1, 2, 2), a(3, 7, 0, 1), 3, 1);
        assertTrue(m.decodesFirst());
        assertEquals(2, m.numDecodes());
        assertEquals(1, m.numPrefills());
        assertEquals(2, m.numPrefillTokens());
    }

    @Test
    void aSequencesPositionsMayComeInAnyOrderWithinItsRange() {
        AttentionMetadata m = AttentionMetadata.of(a(0, 0, 0), a(6, 5, 4), 1, 2);
        assertArrayEquals(a(3), m.queryLens());
        assertArrayEquals(a(7), m.seqLens());
        assertArrayEquals(a(4), m.computedLens());
        assertFalse(m.inOrder());
    }

    @Test
    void batchesItCannotDescribeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> AttentionMetadata.of(a(1, 0), a(3, 3), 2, 1),
                "sequences out of index order");
        assertThrows(IllegalArgumentException.class, () -> AttentionMetadata.of(a(0, 1, 0), a(0, 0, 1), 2, 1),
                "a sequence's tokens split in the batch");
        assertThrows(IllegalArgumentException.class, () -> AttentionMetadata.of(a(0, 0), a(2, 5), 1, 1),
                "positions with a gap");
        assertThrows(IllegalArgumentException.class, () -> AttentionMetadata.of(a(0), a(0), 2, 1),
                "a sequence without tokens");
        assertThrows(IllegalArgumentException.class, () -> AttentionMetadata.of(a(0, 0), a(0), 1, 1),
                "per-token arrays of different lengths");
    }
}
