package org.tramontane.kvcache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The free list: whole blocks out and back, a short pool answers empty and takes nothing. */
class BlockPoolTest {

    @Test
    void handsOutEveryBlockOnceThenRunsDry() {
        BlockPool pool = new BlockPool(5);
        int[] a = pool.allocate(2).orElseThrow();
        int[] b = pool.allocate(3).orElseThrow();
        int[] all = new int[5];
        System.arraycopy(a, 0, all, 0, 2);
        System.arraycopy(b, 0, all, 2, 3);
        Arrays.sort(all);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, all, "each block id once");
        assertEquals(Optional.empty(), pool.allocate(1));
        assertEquals(0, pool.allocate(0).orElseThrow().length, "zero blocks always fit");
    }

    @Test
    void aShortPoolTakesNothing() {
        BlockPool pool = new BlockPool(4);
        pool.allocate(2).orElseThrow();
        assertTrue(pool.allocate(3).isEmpty());
        // the failed request left both free blocks in place
        assertEquals(2, pool.allocate(2).orElseThrow().length);
        assertTrue(pool.allocate(1).isEmpty());
    }

    @Test
    void releasedBlocksAreHandedOutAgain() {
        BlockPool pool = new BlockPool(3);
        int[] a = pool.allocate(3).orElseThrow();
        pool.release(new int[] {a[1]});
        assertArrayEquals(new int[] {a[1]}, pool.allocate(1).orElseThrow());
        pool.release(a);
        int[] again = pool.allocate(3).orElseThrow();
        Arrays.sort(again);
        assertArrayEquals(new int[] {0, 1, 2}, again);
    }

    @Test
    void releasingTwiceOrAForeignIdIsAContractBug() {
        BlockPool pool = new BlockPool(3);
        int[] a = pool.allocate(1).orElseThrow();
        pool.release(a);
        assertThrows(IllegalStateException.class, () -> pool.release(a), "released twice");
        assertThrows(IllegalStateException.class, () -> new BlockPool(3).release(new int[] {2}), "never allocated");
        assertThrows(IllegalStateException.class, () -> pool.release(new int[] {3}), "out of range");
        assertThrows(IllegalStateException.class, () -> pool.release(new int[] {-1}), "negative");
    }

    @Test
    void rejectsNonsenseSizes() {
        assertThrows(IllegalArgumentException.class, () -> new BlockPool(0));
        assertThrows(IllegalArgumentException.class, () -> new BlockPool(2).allocate(-1));
        assertEquals(7, new BlockPool(7).numBlocks());
    }
}
