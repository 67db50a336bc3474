package org.tramontane.kvcache;

import java.util.ArrayDeque;
import java.util.Optional;

/**
 * The paged KV cache's free list (vLLM's BlockPool, without prefix sharing yet): block ids
 * 0..numBlocks-1, handed out and taken back whole. A request the pool cannot serve gets
 * {@code Optional.empty()}, never an exception: the scheduler decides whether to wait or preempt.
 */
public final class BlockPool {
    private final int numBlocks;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final boolean[] inUse;

    public BlockPool(int numBlocks) {
        if (numBlocks <= 0) throw new IllegalArgumentException("numBlocks must be positive");
        this.numBlocks = numBlocks;
        this.inUse = new boolean[numBlocks];
        for (int i = 0; i < numBlocks; i++) free.addLast(i);
    }

    public int numBlocks() {
        return numBlocks;
    }

    /** Blocks not handed out: the serving metrics' cache usage is 1 - numFree / numBlocks. */
    public int numFree() {
        return free.size();
    }

    /** {@code count} blocks, or empty (and nothing taken) when fewer are free. */
    public Optional<int[]> allocate(int count) {
        if (count < 0) throw new IllegalArgumentException("negative block count");
        if (count > free.size()) return Optional.empty();
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = free.pollFirst();
            inUse[ids[i]] = true;
        }
        return Optional.of(ids);
    }

    public void release(int[] ids) {
        for (int id : ids) {
            if (id < 0 || id >= numBlocks || !inUse[id]) {
                throw new IllegalStateException("block " + id + " released twice or never allocated");
            }
            inUse[id] = false;
            free.addLast(id);
        }
    }
}
