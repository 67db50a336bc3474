package org.tramontane.tokenizer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The heap merger on a hand-made table: ids 0..2 are "a", "b", "c"; 3 = "ab", 4 = "bc", 5 = "abc". */
class BpeMergerTest {
    private static PairMergeTable table(int abRank, int bcRank) {
        PairMergeTable table = new PairMergeTable(4);
        table.put(0, 1, abRank, 3);
        table.put(1, 2, bcRank, 4);
        table.put(3, 2, 5, 5);
        return table;
    }

    @Test
    void lowerRankMergesFirst() {
        assertArrayEquals(new int[] {5}, BpeMerger.merge(new int[] {0, 1, 2}, null, table(0, 1)));
        assertArrayEquals(new int[] {0, 4}, BpeMerger.merge(new int[] {0, 1, 2}, null, table(1, 0)));
    }

    @Test
    void equalRanksGoLeftmostFirst() {
        // "abab": both "ab" pairs have rank 0; the middle "ba" has no merge.
        assertArrayEquals(new int[] {3, 3}, BpeMerger.merge(new int[] {0, 1, 0, 1}, null, table(0, 0)));
        // "bcbc" with "b c" rank 0: left pair first, then the right one.
        assertArrayEquals(new int[] {4, 4}, BpeMerger.merge(new int[] {1, 2, 1, 2}, null, table(0, 0)));
    }

    @Test
    void frozenSymbolsNeverMerge() {
        boolean[] frozen = {false, true, false};
        assertArrayEquals(new int[] {0, 1, 2}, BpeMerger.merge(new int[] {0, 1, 2}, frozen, table(0, 1)));
    }

    @Test
    void shortWordsAreReturnedAsIs() {
        assertArrayEquals(new int[0], BpeMerger.merge(new int[0], null, table(0, 1)));
        assertArrayEquals(new int[] {2}, BpeMerger.merge(new int[] {2}, null, table(0, 1)));
    }
}
