package org.tramontane.kvcache;

import java.util.Arrays;

/**
 * One sequence's blocks, append-only while it runs: logical block i of the sequence is physical
 * block {@code blocks[i]}. Position p lives in slot {@link #slot(int[], int, int)}.
 */
public final class BlockTable {
    private final int blockSize;
    private int[] blocks = new int[0];

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

    public int numBlocks() {
        return blocks.length;
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
        int old = blocks.length;
        blocks = Arrays.copyOf(blocks, old + need);
        System.arraycopy(got.get(), 0, blocks, old, need);
        return true;
    }

    /** Returns every block to the pool. */
    public void release(BlockPool pool) {
        pool.release(blocks);
        blocks = new int[0];
    }

    public int[] blocks() {
        return blocks.clone();
    }
}
