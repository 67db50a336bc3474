package org.tramontane.kvcache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Cache hits, admission and growth with prefix caching, and block freeing under a sliding window. */
class KvCacheManagerTest {
    private static final int BS = 4;

    private static int[] tokens(int n, int salt) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = 1 + i + salt;
        return t;
    }

    @Test
    void aSecondSequenceFindsTheFullBlocksOfTheFirstButComputesItsLastToken() {
        KvCacheManager kv = new KvCacheManager(new BlockPool(16), new CachePolicy(true, 0));
        int[] prompt = tokens(12, 0);
        BlockTable a = new BlockTable(BS);
        assertEquals(0, kv.cachedPrefix(a, prompt, 12).length);
        assertTrue(kv.admit(a, prompt, new int[0], 12));
        BlockTable b = new BlockTable(BS);
        int[] hit = kv.cachedPrefix(b, prompt, 12);
        assertArrayEquals(Arrays.copyOf(a.blocks(), 2), hit, "12 tokens: blocks 0 and 1; the last token's block is computed");
        int[] longer = Arrays.copyOf(prompt, 13);
        longer[12] = 99;
        assertArrayEquals(a.blocks(), kv.cachedPrefix(new BlockTable(BS), longer, 13), "a 13th token: all three blocks");
        int[] other = prompt.clone();
        other[5] = 77;
        assertArrayEquals(Arrays.copyOf(a.blocks(), 1), kv.cachedPrefix(new BlockTable(BS), other, 12),
                "a different token in block 1 ends the hit there");
        assertTrue(kv.admit(b, prompt, hit, 4));
        assertArrayEquals(Arrays.copyOf(a.blocks(), 2), Arrays.copyOf(b.blocks(), 2), "b's table starts with a's blocks");
        assertEquals(16 - 3 - 1, kv.pool().numFree(), "b took one block of its own");
    }

    @Test
    void blocksAreFoundOnlyOnceTheStepThatFillsThemIsScheduled() {
        KvCacheManager kv = new KvCacheManager(new BlockPool(16), new CachePolicy(true, 0));
        int[] prompt = tokens(12, 0);
        BlockTable a = new BlockTable(BS);
        assertTrue(kv.admit(a, prompt, new int[0], 6), "a chunk of 6 tokens fills block 0 only");
        assertEquals(1, kv.cachedPrefix(new BlockTable(BS), prompt, 12).length);
        assertTrue(kv.allocate(a, prompt, 6, 6));
        assertEquals(2, kv.cachedPrefix(new BlockTable(BS), prompt, 12).length);
    }

    @Test
    void anAdmissionThePoolCannotHoldTakesNothing() {
        KvCacheManager kv = new KvCacheManager(new BlockPool(4), new CachePolicy(true, 0));
        int[] prompt = tokens(12, 0);
        BlockTable a = new BlockTable(BS);
        assertTrue(kv.admit(a, prompt, new int[0], 12));
        kv.free(a);
        assertEquals(4, kv.pool().numFree());
        BlockTable hog = new BlockTable(BS);
        assertTrue(kv.admit(hog, tokens(4, 50), new int[0], 4), "one fresh block: evicts nothing cached");
        BlockTable b = new BlockTable(BS);
        int[] hit = kv.cachedPrefix(b, prompt, 12);
        assertEquals(2, hit.length);
        // the two cached blocks leave the free queue, and 20 - 8 new positions need 3 more: 5 > 3 free
        assertFalse(kv.admit(b, prompt, hit, 12));
        assertEquals(0, b.numBlocks());
        assertEquals(3, kv.pool().numFree(), "nothing taken");
        assertArrayEquals(hit, kv.cachedPrefix(b, prompt, 12), "nothing evicted");
        assertTrue(kv.admit(b, prompt, hit, 4));
        assertEquals(0, kv.pool().numFree());
    }

    @Test
    void withoutPrefixCachingNothingIsFoundOrRegistered() {
        KvCacheManager kv = new KvCacheManager(new BlockPool(8), CachePolicy.PLAIN);
        int[] prompt = tokens(12, 0);
        BlockTable a = new BlockTable(BS);
        assertTrue(kv.admit(a, prompt, new int[0], 12));
        assertEquals(0, kv.cachedPrefix(new BlockTable(BS), prompt, 12).length);
        assertEquals(0, kv.pool().numCached());
    }

    @Test
    void aSlidingWindowGivesBackTheBlocksNoQueryReachesAnyMore() {
        int window = 6;
        KvCacheManager kv = new KvCacheManager(new BlockPool(32), new CachePolicy(false, window));
        int[] seq = tokens(64, 0);
        BlockTable t = new BlockTable(BS);
        assertTrue(kv.admit(t, seq, new int[0], 9));
        int maxHeld = 0;
        for (int pos = 9; pos < 64; pos++) {
            assertTrue(kv.allocate(t, seq, pos, 1));
            maxHeld = Math.max(maxHeld, t.numHeld());
            // the query at pos reads [pos - window + 1, pos]: the blocks wholly before it are given back
            assertEquals(Math.max(0, pos - window + 1) / BS, t.numBlocks() - t.numHeld(), "pos " + pos);
            assertEquals(t.numHeld(), 32 - kv.pool().numFree(), "the pool holds what the table holds");
            assertEquals(BlockTable.blocksFor(pos + 1, BS), t.numBlocks(), "entries still span every position");
        }
        assertEquals((window + BS - 1) / BS + 1, maxHeld, "ceil(window / block) + 1 blocks at most");
        int[] table = t.blocks();
        int firstHeld = table[t.numBlocks() - t.numHeld()];
        for (int i = 0; i < t.numBlocks() - t.numHeld(); i++) assertEquals(firstHeld, table[i], "given-back entries name a held block");
        kv.free(t);
        assertEquals(32, kv.pool().numFree());
    }

    @Test
    void withPrefixCachingTheBlocksAWindowLeftBehindStayCached() {
        KvCacheManager kv = new KvCacheManager(new BlockPool(32), new CachePolicy(true, 4));
        int[] seq = tokens(40, 0);
        BlockTable t = new BlockTable(BS);
        assertTrue(kv.admit(t, seq, new int[0], 40));
        kv.free(t);
        BlockTable again = new BlockTable(BS);
        int[] hit = kv.cachedPrefix(again, seq, 40);
        assertEquals(9, hit.length, "every full block but the last token's is still found");
        assertTrue(kv.admit(again, seq, hit, 4));
        assertEquals(2, again.numHeld(), "only the window's blocks are taken: that of positions 32..35 and a new one");
        assertEquals(32 - 2, kv.pool().numFree());
    }
}
