package org.tramontane.kvcache;

import java.util.Arrays;

/**
 * The block bookkeeping a scheduler asks for (vLLM's KVCacheManager, without its growth): which
 * cached blocks a new sequence starts from, room for the tokens of a step, and giving blocks back.
 * Each call changes the pool only when it succeeds, so the scheduler can wait or preempt on false.
 * With prefix caching, a block is registered as soon as the step that fills it is scheduled: a
 * sequence admitted later in the same step already finds it, which holds because every layer
 * writes the whole step's keys and values before any of its attention reads them.
 */
public final class KvCacheManager {
    private static final int[] NONE = new int[0];

    private final BlockPool pool;
    private final CachePolicy policy;

    public KvCacheManager(BlockPool pool, CachePolicy policy) {
        this.pool = pool;
        this.policy = policy;
    }

    public BlockPool pool() {
        return pool;
    }

    public CachePolicy policy() {
        return policy;
    }

    /**
     * The cached blocks a sequence of {@code numTokens} {@code tokens} may start from: the longest run
     * of its leading full blocks whose contents are in the pool, short of the last token (which is
     * always computed, so there are logits to sample from). Empty without prefix caching.
     */
    public int[] cachedPrefix(BlockTable table, int[] tokens, int numTokens) {
        if (!policy.prefixCaching()) return NONE;
        int max = (numTokens - 1) / table.blockSize();
        int[] ids = new int[max];
        int n = 0;
        while (n < max) {
            int id = pool.cachedBlock(table.hash(n, tokens));
            if (id < 0) break;
            ids[n++] = id;
        }
        return Arrays.copyOf(ids, n);
    }

    /**
     * Starts a sequence whose table is empty: shares {@code cached} (from {@link #cachedPrefix}, in
     * this same step), then takes blocks for {@code numNew} tokens after them. False, and nothing
     * taken, when the pool is short.
     */
    public boolean admit(BlockTable table, int[] tokens, int[] cached, int numNew) {
        if (table.numBlocks() != 0) throw new IllegalStateException("admitting a sequence that holds blocks");
        int start = cached.length * table.blockSize();
        int skip = skippable(start, table.blockSize());
        int fromQueue = 0;
        for (int i = skip; i < cached.length; i++) {
            if (pool.isFree(cached[i])) fromQueue++;
        }
        int fresh = BlockTable.blocksFor(start + numNew, table.blockSize()) - cached.length;
        if (fromQueue + fresh > pool.numFree()) return false;
        if (skip > 0) table.appendSkipped(skip);
        int[] shared = Arrays.copyOfRange(cached, skip, cached.length);
        pool.share(shared);
        table.append(shared);
        table.setNumRegistered(cached.length);
        if (!table.ensureCapacity(start + numNew, pool)) throw new IllegalStateException("the pool lost blocks it counted");
        register(table, tokens, start + numNew);
        return true;
    }

    /**
     * Room for {@code numNew} more tokens of a running sequence after its first {@code numComputed}:
     * first gives back the blocks its sliding window has left behind, then takes what the new tokens
     * need. False when the pool is short (the table stays consistent: free it or try again).
     */
    public boolean allocate(BlockTable table, int[] tokens, int numComputed, int numNew) {
        table.skipLeading(skippable(numComputed, table.blockSize()), pool);
        if (!table.ensureCapacity(numComputed + numNew, pool)) return false;
        register(table, tokens, numComputed + numNew);
        return true;
    }

    /** Gives every block of the sequence back; cached contents stay findable until evicted. */
    public void free(BlockTable table) {
        table.release(pool);
    }

    /** After a failed step: nothing cached can be trusted to have been written. */
    public void forgetCached() {
        pool.forgetCached();
    }

    /** Leading blocks no query from position {@code firstQueryPos} on reaches: wholly before its window. */
    int skippable(int firstQueryPos, int blockSize) {
        if (policy.slidingWindow() == 0) return 0;
        int first = firstQueryPos - policy.slidingWindow() + 1;
        return first <= 0 ? 0 : first / blockSize;
    }

    /** Offers the table's blocks that are full once its first {@code numTokens} tokens are computed. */
    private void register(BlockTable table, int[] tokens, int numTokens) {
        if (!policy.prefixCaching()) return;
        int full = numTokens / table.blockSize();
        for (int i = Math.max(table.numRegistered(), table.numSkipped()); i < full; i++) {
            pool.cache(table.block(i), table.hash(i, tokens));
        }
        if (full > table.numRegistered()) table.setNumRegistered(full);
    }
}
