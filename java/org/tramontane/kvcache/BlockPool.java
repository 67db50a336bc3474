package org.tramontane.kvcache;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The paged KV cache's blocks (vLLM's BlockPool): ids 0..numBlocks-1, each with a reference count
 * (the sequences whose block tables hold it) and, once full and registered for prefix caching, the
 * {@link BlockHash} of its contents. A block whose count drops to zero is free; if it has a hash its
 * contents stay findable ({@link #cachedBlock}) until it is handed out again, which evicts them:
 * least recently freed first. A request the pool cannot serve gets {@code Optional.empty()}, never
 * an exception: the scheduler decides whether to wait or preempt.
 */
public final class BlockPool {
    private final int numBlocks;
    private final int[] refCount;
    private final BlockHash[] hashOf;
    private final Map<BlockHash, Integer> cached = new HashMap<>();
    private final FreeBlockQueue free;

    public BlockPool(int numBlocks) {
        if (numBlocks <= 0) throw new IllegalArgumentException("numBlocks must be positive");
        this.numBlocks = numBlocks;
        this.refCount = new int[numBlocks];
        this.hashOf = new BlockHash[numBlocks];
        this.free = new FreeBlockQueue(numBlocks);
    }

    public int numBlocks() {
        return numBlocks;
    }

    /**
     * Blocks no sequence holds, cached ones included (handing one out evicts its contents): the
     * serving metrics' cache usage is 1 - numFree / numBlocks, as vLLM counts it.
     */
    public int numFree() {
        return free.size();
    }

    /** Blocks whose contents are registered, held or free. */
    public int numCached() {
        return cached.size();
    }

    /** {@code count} fresh blocks, each held once, or empty (and nothing taken) when fewer are free. */
    public Optional<int[]> allocate(int count) {
        if (count < 0) throw new IllegalArgumentException("negative block count");
        if (count > free.size()) return Optional.empty();
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            int id = free.pollFirst();
            if (hashOf[id] != null) {
                cached.remove(hashOf[id]);
                hashOf[id] = null;
            }
            refCount[id] = 1;
            ids[i] = id;
        }
        return Optional.of(ids);
    }

    /**
     * Drops one hold on each block: a block nobody holds any more is free. Blocks without cached
     * contents go to the head of the queue, in the order given (handed out first, so nothing cached
     * is evicted while they last); cached ones to the tail in the order given (evicted last, the
     * least recently freed first).
     */
    public void release(int[] ids) {
        int[] plain = new int[ids.length];
        int numPlain = 0;
        for (int id : ids) {
            if (id < 0 || id >= numBlocks || refCount[id] == 0) {
                throw new IllegalStateException("block " + id + " released twice or never allocated");
            }
            if (--refCount[id] > 0) continue;
            if (hashOf[id] == null) plain[numPlain++] = id;
            else free.addLast(id);
        }
        for (int i = numPlain - 1; i >= 0; i--) free.addFirst(plain[i]);
    }

    /** The block holding the contents {@code hash} names, held or free; -1 when none does. */
    public int cachedBlock(BlockHash hash) {
        Integer id = cached.get(hash);
        return id == null ? -1 : id;
    }

    /** Takes one more hold on each cached block (a free one leaves the queue, its contents kept). */
    public void share(int[] ids) {
        for (int id : ids) {
            if (id < 0 || id >= numBlocks || hashOf[id] == null) {
                throw new IllegalStateException("block " + id + " has no cached contents to share");
            }
            if (refCount[id]++ == 0) free.remove(id);
        }
    }

    /** Whether the block is free (so sharing it takes a block out of the queue). */
    public boolean isFree(int id) {
        return free.contains(id);
    }

    /**
     * Registers a held, full block's contents. False (and nothing changes) when another block already
     * holds the same contents: the first stays the one found, this one stays private, so no block
     * table ever has to change an id.
     */
    public boolean cache(int id, BlockHash hash) {
        if (refCount[id] == 0 || hashOf[id] != null) {
            throw new IllegalStateException("block " + id + " is not held or is already cached");
        }
        if (cached.putIfAbsent(hash, id) != null) return false;
        hashOf[id] = hash;
        return true;
    }

    /** Forgets every cached content (after a failed step, whose blocks may never have been written). */
    public void forgetCached() {
        cached.clear();
        Arrays.fill(hashOf, null);
    }

    /** Free block ids from the first handed out to the last (tests read eviction order from it). */
    int[] freeQueue() {
        return free.toArray();
    }
}
