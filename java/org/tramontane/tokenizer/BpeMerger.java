package org.tramontane.tokenizer;

import java.util.Arrays;

/**
 * Applies BPE merges to one word. Mistral-style tokenizers do not pre-split text, so a whole
 * prompt of thousands of characters is one word: candidate pairs live in a min-heap keyed by
 * (rank, position) and symbols in a doubly linked list, so each merge costs O(log n) instead of
 * a rescan of the word.
 *
 * <p>Rank order is "lower merges first, ties go to the leftmost pair", which is both HF's BPE
 * (rank = line in {@code merges}) and SentencePiece BPE (rank = position of the merged piece's
 * score in descending order, equal scores sharing a rank).
 */
final class BpeMerger {

    /** Which merge, if any, applies to two adjacent symbols. */
    interface MergeRule {
        /** {@code rank << 32 | mergedId}, or -1 when the pair does not merge. Ranks are >= 0. */
        long lookup(int leftId, int rightId);
    }

    private BpeMerger() {
    }

    /**
     * @param symbolIds initial symbols of the word, in order
     * @param frozen    symbols that must not take part in any merge (SentencePiece user-defined
     *                  pieces), or null when none are
     */
    static int[] merge(int[] symbolIds, boolean[] frozen, MergeRule rule) {
        int count = symbolIds.length;
        if (count < 2) {
            return symbolIds.clone();
        }
        int[] ids = symbolIds.clone();
        int[] prev = new int[count];
        int[] next = new int[count];
        boolean[] removed = new boolean[count];
        for (int i = 0; i < count; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }
        LongHeap queue = new LongHeap(count);
        for (int i = 0; i + 1 < count; i++) {
            offer(queue, rule, ids, frozen, i, i + 1);
        }
        while (!queue.isEmpty()) {
            long key = queue.poll();
            int pos = (int) key;
            long rank = key >>> 32;
            int right = next[pos];
            if (removed[pos] || right < 0) {
                continue;
            }
            long merge = rule.lookup(ids[pos], ids[right]);
            // An entry is stale when either symbol changed since it was queued.
            if (merge < 0 || (merge >>> 32) != rank || isFrozen(frozen, pos) || isFrozen(frozen, right)) {
                continue;
            }
            ids[pos] = (int) merge;
            removed[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                offer(queue, rule, ids, frozen, prev[pos], pos);
            }
            if (next[pos] >= 0) {
                offer(queue, rule, ids, frozen, pos, next[pos]);
            }
        }
        int[] out = new int[count];
        int n = 0;
        // Position 0 is never removed: a merge always keeps its left symbol.
        for (int i = 0; i >= 0; i = next[i]) {
            out[n++] = ids[i];
        }
        return Arrays.copyOf(out, n);
    }

    private static boolean isFrozen(boolean[] frozen, int pos) {
        return frozen != null && frozen[pos];
    }

    private static void offer(LongHeap queue, BpeMerger.MergeRule rule, int[] ids, boolean[] frozen,
                              int left, int right) {
        if (isFrozen(frozen, left) || isFrozen(frozen, right)) {
            return;
        }
        long merge = rule.lookup(ids[left], ids[right]);
        if (merge >= 0) {
            queue.add((merge >>> 32) << 32 | left);
        }
    }

    /** Binary min-heap of longs; avoids boxing one object per candidate pair. */
    private static final class LongHeap {
        private long[] items;
        private int size;

        LongHeap(int capacity) {
            items = new long[Math.max(capacity, 4)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long item) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= item) {
                    break;
                }
                items[i] = items[parent];
                i = parent;
            }
            items[i] = item;
        }

        long poll() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && items[child + 1] < items[child]) {
                    child++;
                }
                if (last <= items[child]) {
                    break;
                }
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
            return top;
        }
    }
}
