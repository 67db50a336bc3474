package org.tramontane.kvcache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Slot mapping and the append-only growth of one sequence's blocks. */
class BlockTableTest {

    @Test
    void slotIsTheBlockBasePlusTheOffset() {
        int[] table = {3, 0, 7};
        int bs = 4;
        assertEquals(12, BlockTable.slot(table, bs, 0));
        assertEquals(15, BlockTable.slot(table, bs, 3));
        assertEquals(0, BlockTable.slot(table, bs, 4));
        assertEquals(1, BlockTable.slot(table, bs, 5));
        assertEquals(28, BlockTable.slot(table, bs, 8));
        assertEquals(31, BlockTable.slot(table, bs, 11));
        assertThrows(ArrayIndexOutOfBoundsException.class, () -> BlockTable.slot(table, bs, 12),
                "a position past the table has no slot");
    }

    @Test
    void slotsWalkEachBlockInTableOrder() {
        // the cache laid out block by block: logical block i's positions fill physical block table[i]
        int[] table = {5, 2, 9, 0, 1};
        for (int bs : new int[] {1, 2, 3, 16}) {
            int pos = 0;
            for (int block : table) {
                for (int offset = 0; offset < bs; offset++, pos++) {
                    assertEquals(block * bs + offset, BlockTable.slot(table, bs, pos), "block size " + bs + " pos " + pos);
                }
            }
        }
    }

    @Test
    void blocksForRoundsUp() {
        assertEquals(0, BlockTable.blocksFor(0, 4));
        assertEquals(1, BlockTable.blocksFor(1, 4));
        assertEquals(1, BlockTable.blocksFor(4, 4));
        assertEquals(2, BlockTable.blocksFor(5, 4));
        assertEquals(7, BlockTable.blocksFor(7, 1));
    }

    @Test
    void growsAppendOnlyFromThePool() {
        BlockPool pool = new BlockPool(8);
        pool.allocate(3).orElseThrow(); // so the table's ids are not simply 0, 1, 2, ...
        BlockTable t = new BlockTable(4);
        assertTrue(t.ensureCapacity(5, pool));
        int[] first = t.blocks();
        assertEquals(2, first.length);
        assertTrue(t.ensureCapacity(8, pool), "still two blocks");
        assertArrayEquals(first, t.blocks(), "no new block while the last one has room");
        assertTrue(t.ensureCapacity(13, pool));
        int[] grown = t.blocks();
        assertEquals(4, grown.length);
        assertArrayEquals(first, Arrays.copyOf(grown, 2), "earlier blocks never move");
        assertEquals(4, t.numBlocks());
        assertEquals(4, t.blockSize());
        for (int p = 0; p < 16; p++) assertEquals(BlockTable.slot(grown, 4, p), t.slot(p));
        assertTrue(pool.allocate(1).isPresent(), "3 + 4 taken, 1 free");
        assertTrue(pool.allocate(1).isEmpty());
    }

    @Test
    void aShortPoolLeavesTheTableAndPoolAsTheyWere() {
        BlockPool pool = new BlockPool(3);
        BlockTable t = new BlockTable(2);
        assertTrue(t.ensureCapacity(3, pool));
        int[] before = t.blocks();
        assertFalse(t.ensureCapacity(7, pool), "needs 4 blocks, the pool has 3");
        assertArrayEquals(before, t.blocks());
        assertTrue(pool.allocate(1).isPresent(), "the one free block is still free");
    }

    @Test
    void releaseReturnsEveryBlockAndEmptiesTheTable() {
        BlockPool pool = new BlockPool(4);
        BlockTable t = new BlockTable(2);
        assertTrue(t.ensureCapacity(8, pool));
        assertTrue(pool.allocate(1).isEmpty());
        t.release(pool);
        assertEquals(0, t.numBlocks());
        assertTrue(pool.allocate(4).isPresent());
    }

    @Test
    void blocksIsACopy() {
        BlockPool pool = new BlockPool(2);
        BlockTable t = new BlockTable(1);
        assertTrue(t.ensureCapacity(2, pool));
        int[] b = t.blocks();
        int first = b[0];
        b[0] = 99;
        assertEquals(first, t.blocks()[0]);
        assertThrows(IllegalArgumentException.class, () -> new BlockTable(0));
    }
}
