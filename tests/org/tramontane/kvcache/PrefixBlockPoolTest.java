package org.tramontane.kvcache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pool's prefix-caching half: refcounts, block hashes, and LRU eviction of cached free blocks. */
class PrefixBlockPoolTest {
    private static BlockHash hash(int... tokens) {
        return BlockHash.of(null, tokens, 0, tokens.length);
    }

    @Test
    void aHashChainsTheTokensWithThePrefixBeforeThem() {
        int[] a = {5, 6, 7, 8, 5, 6, 7, 8};
        BlockHash first = BlockHash.of(null, a, 0, 4);
        assertEquals(first, BlockHash.of(null, new int[] {5, 6, 7, 8}, 0, 4), "equal tokens, equal hash");
        assertEquals(first.hashCode(), hash(5, 6, 7, 8).hashCode());
        BlockHash second = BlockHash.of(first, a, 4, 4);
        assertNotEquals(first, second, "the same tokens after a prefix are another block");
        assertNotEquals(second, BlockHash.of(hash(5, 6, 7, 9), a, 4, 4), "another prefix, another block");
        assertNotEquals(hash(1, 2, 3, 4), hash(1, 2, 4, 3), "order counts");
        assertNotEquals(hash(0x01000000), hash(1), "every byte of an id counts");
        assertThrows(IllegalArgumentException.class, () -> BlockHash.of(null, a, 6, 4));
    }

    @Test
    void aSharedBlockIsFreeOnlyWhenItsLastHolderLetsGo() {
        BlockPool pool = new BlockPool(3);
        int id = pool.allocate(1).orElseThrow()[0];
        assertTrue(pool.cache(id, hash(1, 2)));
        pool.share(new int[] {id});
        assertEquals(2, pool.numFree());
        pool.release(new int[] {id});
        assertEquals(2, pool.numFree(), "one holder left");
        assertFalse(pool.isFree(id));
        pool.release(new int[] {id});
        assertEquals(3, pool.numFree());
        assertTrue(pool.isFree(id));
        assertEquals(id, pool.cachedBlock(hash(1, 2)), "its contents stay findable once free");
        assertThrows(IllegalStateException.class, () -> pool.release(new int[] {id}), "released more than held");
    }

    @Test
    void sharingAFreeCachedBlockTakesItBackWithItsContents() {
        BlockPool pool = new BlockPool(2);
        int id = pool.allocate(1).orElseThrow()[0];
        pool.cache(id, hash(9));
        pool.release(new int[] {id});
        pool.share(new int[] {id});
        assertEquals(1, pool.numFree());
        assertEquals(id, pool.cachedBlock(hash(9)));
        int other = pool.allocate(1).orElseThrow()[0];
        assertNotEquals(id, other, "a held cached block is never handed out");
        assertTrue(pool.allocate(1).isEmpty());
        assertThrows(IllegalStateException.class, () -> pool.share(new int[] {other}), "no contents to share");
    }

    @Test
    void freeBlocksWithoutContentsGoFirstThenCachedOnesLeastRecentlyFreedFirst() {
        BlockPool pool = new BlockPool(4);
        int[] ids = pool.allocate(4).orElseThrow();
        for (int i = 0; i < 3; i++) pool.cache(ids[i], hash(100 + i));
        pool.release(new int[] {ids[1]});
        pool.release(new int[] {ids[0]});
        pool.release(new int[] {ids[3]}); // no contents
        pool.release(new int[] {ids[2]});
        assertArrayEquals(new int[] {ids[3], ids[1], ids[0], ids[2]}, pool.freeQueue());
        assertArrayEquals(new int[] {ids[3]}, pool.allocate(1).orElseThrow(), "the empty block first: nothing evicted");
        assertEquals(3, pool.numCached());
        assertArrayEquals(new int[] {ids[1]}, pool.allocate(1).orElseThrow(), "then the least recently freed");
        assertEquals(-1, pool.cachedBlock(hash(101)), "handing it out evicts its contents");
        assertEquals(ids[0], pool.cachedBlock(hash(100)));
        assertEquals(2, pool.numCached());
    }

    @Test
    void aTouchedBlockFreedAgainMovesToTheBackOfTheEvictionOrder() {
        BlockPool pool = new BlockPool(2);
        int[] ids = pool.allocate(2).orElseThrow();
        pool.cache(ids[0], hash(1));
        pool.cache(ids[1], hash(2));
        pool.release(new int[] {ids[0], ids[1]});
        pool.share(new int[] {ids[0]});
        pool.release(new int[] {ids[0]});
        assertArrayEquals(new int[] {ids[1], ids[0]}, pool.freeQueue(), "the block just used is evicted last");
    }

    @Test
    void equalContentsStayWithTheFirstBlockThatHeldThem() {
        BlockPool pool = new BlockPool(2);
        int[] ids = pool.allocate(2).orElseThrow();
        assertTrue(pool.cache(ids[0], hash(4, 4)));
        assertFalse(pool.cache(ids[1], hash(4, 4)), "a duplicate stays private");
        assertEquals(ids[0], pool.cachedBlock(hash(4, 4)));
        pool.release(new int[] {ids[0], ids[1]});
        assertArrayEquals(new int[] {ids[1], ids[0]}, pool.freeQueue(), "the private one is reused first");
        assertThrows(IllegalStateException.class, () -> pool.cache(ids[0], hash(5)), "a free block cannot be registered");
    }

    @Test
    void forgettingDropsEveryContentButNoHold() {
        BlockPool pool = new BlockPool(3);
        int[] ids = pool.allocate(2).orElseThrow();
        pool.cache(ids[0], hash(1));
        pool.cache(ids[1], hash(2));
        pool.release(new int[] {ids[1]});
        pool.forgetCached();
        assertEquals(-1, pool.cachedBlock(hash(1)));
        assertEquals(-1, pool.cachedBlock(hash(2)));
        assertEquals(0, pool.numCached());
        assertEquals(2, pool.numFree());
        pool.release(new int[] {ids[0]});
        assertEquals(3, pool.allocate(3).orElseThrow().length);
    }
}
