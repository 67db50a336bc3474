package org.tramontane.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tramontane.model.CausalLm;
import org.tramontane.model.ForwardBatch;

/**
 * A model seen from the engine's side: counts the tokens each step computes and the distinct
 * blocks each sequence's table names (given-back entries repeat a held block, so that is what it
 * holds); can hide the model's sliding window from the engine, which then keeps every block.
 */
final class WatchedLm implements CausalLm {
    private final CausalLm model;
    private final boolean hideWindow;
    long numComputedTokens;
    /** Per step: per scheduled sequence, its query tokens and the blocks it holds. */
    final List<int[][]> steps = new ArrayList<>();

    private WatchedLm(CausalLm model, boolean hideWindow) {
        this.model = model;
        this.hideWindow = hideWindow;
    }

    static WatchedLm of(CausalLm model) {
        return new WatchedLm(model, false);
    }

    /** The model with its window hidden: the engine keeps every block, as it did before freeing them. */
    static WatchedLm keepingEveryBlock(CausalLm model) {
        return new WatchedLm(model, true);
    }

    @Override
    public int vocabSize() {
        return model.vocabSize();
    }

    @Override
    public int slidingWindow() {
        return hideWindow ? 0 : model.slidingWindow();
    }

    @Override
    public void allocateKvCache(int numBlocks, int blockSize) {
        model.allocateKvCache(numBlocks, blockSize);
    }

    @Override
    public float[][] forward(ForwardBatch batch) {
        numComputedTokens += batch.numTokens();
        int[][] step = new int[batch.numSeqs()][2];
        for (int t = 0; t < batch.numTokens(); t++) step[batch.seqIdx()[t]][0]++;
        for (int s = 0; s < batch.numSeqs(); s++) {
            Set<Integer> held = new HashSet<>();
            for (int b : batch.blockTables()[s]) held.add(b);
            step[s][1] = held.size();
        }
        steps.add(step);
        return model.forward(batch);
    }

    @Override
    public void close() {
        model.close();
    }
}
