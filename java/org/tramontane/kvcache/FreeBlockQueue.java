package org.tramontane.kvcache;

import java.util.Arrays;

/**
 * The pool's free blocks in the order they are handed out (vLLM's FreeKVCacheBlockQueue): a doubly
 * linked list over block ids, so a cached block that a new sequence takes back leaves the middle of
 * the queue in O(1). The head goes first; blocks without cached contents join at the head, cached
 * ones at the tail, so the least recently freed cached block is the first evicted.
 */
final class FreeBlockQueue {
    private static final int NONE = -1;

    private final int[] prev;
    private final int[] next;
    private final boolean[] queued;
    private int head = NONE;
    private int tail = NONE;
    private int size;

    /** Every block 0..numBlocks-1 queued in id order. */
    FreeBlockQueue(int numBlocks) {
        prev = new int[numBlocks];
        next = new int[numBlocks];
        queued = new boolean[numBlocks];
        Arrays.fill(prev, NONE);
        Arrays.fill(next, NONE);
        for (int id = 0; id < numBlocks; id++) addLast(id);
    }

    int size() {
        return size;
    }

    boolean contains(int id) {
        return queued[id];
    }

    int pollFirst() {
        if (head == NONE) throw new IllegalStateException("no free block");
        int id = head;
        remove(id);
        return id;
    }

    void addFirst(int id) {
        link(id, NONE, head);
    }

    void addLast(int id) {
        link(id, tail, NONE);
    }

    void remove(int id) {
        if (!queued[id]) throw new IllegalStateException("block " + id + " is not free");
        if (prev[id] == NONE) head = next[id];
        else next[prev[id]] = next[id];
        if (next[id] == NONE) tail = prev[id];
        else prev[next[id]] = prev[id];
        prev[id] = next[id] = NONE;
        queued[id] = false;
        size--;
    }

    /** The queue from head to tail (tests read eviction order from it). */
    int[] toArray() {
        int[] out = new int[size];
        int i = 0;
        for (int id = head; id != NONE; id = next[id]) out[i++] = id;
        return out;
    }

    private void link(int id, int before, int after) {
        if (queued[id]) throw new IllegalStateException("block " + id + " is already free");
        prev[id] = before;
        next[id] = after;
        if (before == NONE) head = id;
        else next[before] = id;
        if (after == NONE) tail = id;
        else prev[after] = id;
        queued[id] = true;
        size++;
    }
}
