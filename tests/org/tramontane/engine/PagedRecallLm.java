package org.tramontane.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tramontane.model.CausalLm;
import org.tramontane.model.ForwardBatch;

/**
 * A model whose next token is a hash of everything it reads back from its paged cache: each step
 * writes every token id to its slot, then each logits row reads positions 0..pos of its sequence
 * through the block table. A wrong slot, a stale block after preemption or a missing recompute
 * changes the tokens; an unwritten slot fails at once. Logits are one-hot at the chosen id.
 * {@link #windowed} reads only the last {@code window} positions, as a sliding-window model does,
 * and says so, so the engine gives back the blocks before them.
 */
final class PagedRecallLm implements CausalLm {
    static final int VOCAB_SIZE = 97;
    private static final int UNWRITTEN = -1;

    private final int window;
    private int blockSize;
    private int[] cache;
    final List<ForwardBatch> batches = new ArrayList<>();

    PagedRecallLm() {
        this(0);
    }

    private PagedRecallLm(int window) {
        this.window = window;
    }

    /** Attends to the last {@code window} positions, itself included. */
    static PagedRecallLm windowed(int window) {
        return new PagedRecallLm(window);
    }

    /** The token that follows {@code context[0..len)}. */
    static int next(int[] context, int len) {
        return next(context, 0, len);
    }

    /** The token that follows {@code context[0..len)} for a model that reads only {@code context[from..len)}. */
    static int next(int[] context, int from, int len) {
        long h = 17;
        for (int p = from; p < len; p++) h = h * 31 + (long) context[p] * (p + 1);
        return (int) Math.floorMod(h, (long) VOCAB_SIZE);
    }

    /** The first position the query at {@code pos} reads. */
    int firstRead(int pos) {
        return window > 0 ? Math.max(0, pos - window + 1) : 0;
    }

    @Override
    public int slidingWindow() {
        return window;
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public void allocateKvCache(int numBlocks, int blockSize) {
        this.blockSize = blockSize;
        this.cache = new int[numBlocks * blockSize];
        Arrays.fill(cache, UNWRITTEN);
    }

    @Override
    public float[][] forward(ForwardBatch b) {
        batches.add(b);
        for (int t = 0; t < b.numTokens(); t++) cache[b.slotMapping()[t]] = b.tokenIds()[t];
        float[][] logits = new float[b.logitsIdx().length][VOCAB_SIZE];
        for (int r = 0; r < logits.length; r++) {
            int t = b.logitsIdx()[r];
            int[] table = b.blockTables()[b.seqIdx()[t]];
            int len = b.positions()[t] + 1;
            int from = firstRead(len - 1);
            int[] context = new int[len];
            for (int p = from; p < len; p++) {
                context[p] = cache[table[p / blockSize] * blockSize + p % blockSize];
                if (context[p] == UNWRITTEN) throw new AssertionError("position " + p + " read before it was written");
            }
            logits[r][next(context, from, len)] = 1f;
        }
        return logits;
    }

    @Override
    public void close() {
        cache = null;
    }
}
