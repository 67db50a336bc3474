package org.tramontane.tokenizer;

import java.util.Arrays;

/**
 * HF BPE merges: (left id, right id) -> (rank, merged id), in an open-addressing table of
 * primitive longs because the encoder looks up every candidate pair and a boxed
 * {@code HashMap<Long, Long>} would allocate on each lookup.
 */
final class PairMergeTable implements BpeMerger.MergeRule {
    private static final long EMPTY = -1L;

    private long[] keys;
    private long[] values;
    private int size;

    PairMergeTable(int expectedSize) {
        int capacity = Integer.highestOneBit(Math.max(16, expectedSize * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
    }

    /** Adds or replaces a merge; HF builds its merge map the same way, so a repeated pair keeps its last rank. */
    void put(int leftId, int rightId, int rank, int mergedId) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        long key = pairKey(leftId, rightId);
        int slot = findSlot(keys, key);
        if (keys[slot] == EMPTY) {
            keys[slot] = key;
            size++;
        }
        values[slot] = (long) rank << 32 | mergedId;
    }

    @Override
    public long lookup(int leftId, int rightId) {
        long key = pairKey(leftId, rightId);
        int slot = findSlot(keys, key);
        return keys[slot] == EMPTY ? -1L : values[slot];
    }

    private static long pairKey(int leftId, int rightId) {
        return (long) leftId << 32 | (rightId & 0xFFFFFFFFL);
    }

    private static int findSlot(long[] table, long key) {
        int mask = table.length - 1;
        long h = key * 0x9E3779B97F4A7C15L;
        int slot = (int) (h ^ (h >>> 29)) & mask;
        while (table[slot] != EMPTY && table[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                int slot = findSlot(keys, oldKeys[i]);
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
            }
        }
    }
}
