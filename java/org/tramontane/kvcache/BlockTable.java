package org.tramontane.kvcache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One sequence's blocks, append-only while it runs: logical block i of the sequence is physical
 * block {@code blocks[i]}. Position p lives in slot {@link #slot(int[], int, int)}. Under a sliding
 * window the leading blocks that no query can reach any more are given back ({@link #skipLeading});
 * their entries stay, so indices never move. The table also keeps the hashes of the sequence's full
 * blocks, which outlive a preemption: the tokens they hash do not change.
 */
public final class BlockTable {
    private final int blockSize;
    private int[] blocks = new int[0];
    /** Leading entries given back to the pool: no query of this sequence reads them again. */
    private int numSkipped;
    /** Leading entries whose contents were offered to the prefix cache (vLLM's num_cached_block). */
    private int numRegistered;
    private final List<BlockHash> hashes = new ArrayList<>();

    public BlockTable(int blockSize) {
        if (blockSize <= 0) throw new IllegalArgumentException("blockSize must be positive");
        this.blockSize = blockSize;
    }

    /** The slot of position {@code pos}: blockTable[pos / blockSize] * blockSize + pos % blockSize. */
    public static int slot(int[] blockTable, int blockSize, int pos) {
        return blockTable[pos / blockSize] * blockSize + pos % blockSize;
    }

    /** Blocks needed to hold {@code numTokens} positions. */
    public static int blocksFor(int numTokens, int blockSize) {
        return (numTokens + blockSize - 1) / blockSize;
    }

    public int slot(int pos) {
        return slot(blocks, blockSize, pos);
    }

    public int blockSize() {
        return blockSize;
    }

    /** Entries of the table, given-back ones included: the positions it spans, in blocks. */
    public int numBlocks() {
        return blocks.length;
    }

    /** Blocks the sequence holds in the pool. */
    public int numHeld() {
        return blocks.length - numSkipped;
    }

    /**
     * Grows the table to hold {@code numTokens} positions, taking blocks from the pool.
     * False (and no change) when the pool is short.
     */
    public boolean ensureCapacity(int numTokens, BlockPool pool) {
        int need = blocksFor(numTokens, blockSize) - blocks.length;
        if (need <= 0) return true;
        var got = pool.allocate(need);
        if (got.isEmpty()) return false;
        append(got.get());
        return true;
    }

    /** Returns every held block to the pool, the last first (so a cached tail is evicted before its head). */
    public void release(BlockPool pool) {
        int[] held = new int[numHeld()];
        for (int i = 0; i < held.length; i++) held[i] = blocks[blocks.length - 1 - i];
        pool.release(held);
        blocks = new int[0];
        numSkipped = 0;
        numRegistered = 0;
    }

    /**
     * The physical block ids. An entry given back repeats the first block still held: the attention
     * kernels read only the window's blocks, but every entry must name a block of the pool.
     */
    public int[] blocks() {
        int[] out = blocks.clone();
        if (numSkipped > 0) Arrays.fill(out, 0, numSkipped, blocks[numSkipped]);
        return out;
    }

    int numSkipped() {
        return numSkipped;
    }

    int numRegistered() {
        return numRegistered;
    }

    void setNumRegistered(int n) {
        numRegistered = n;
    }

    int block(int idx) {
        return blocks[idx];
    }

    void append(int[] ids) {
        int old = blocks.length;
        blocks = Arrays.copyOf(blocks, old + ids.length);
        System.arraycopy(ids, 0, blocks, old, ids.length);
    }

    /**
     * Entries for {@code count} leading blocks this sequence never holds (cache hits already outside
     * the window); only on an empty table.
     */
    void appendSkipped(int count) {
        if (blocks.length != 0) throw new IllegalStateException("skipped entries lead the table");
        blocks = new int[count];
        numSkipped = count;
    }

    /** Gives back the blocks before entry {@code numLeading} still held, the last first. */
    void skipLeading(int numLeading, BlockPool pool) {
        if (numLeading <= numSkipped) return;
        if (numLeading > blocks.length) throw new IllegalStateException("skipping past the end of the table");
        int[] gone = new int[numLeading - numSkipped];
        for (int i = 0; i < gone.length; i++) gone[i] = blocks[numLeading - 1 - i];
        pool.release(gone);
        numSkipped = numLeading;
    }

    /** The hash of full block {@code idx} of {@code tokens} (this sequence's), computed once. */
    BlockHash hash(int idx, int[] tokens) {
        while (hashes.size() <= idx) {
            int i = hashes.size();
            hashes.add(BlockHash.of(i == 0 ? null : hashes.get(i - 1), tokens, i * blockSize, blockSize));
        }
        return hashes.get(idx);
    }
}
