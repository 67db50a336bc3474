package org.tramontane.engine;

import java.util.SplittableRandom;
import org.tramontane.kvcache.BlockTable;

/** A request's running state: its tokens so far, its KV blocks, and how much of it is computed. */
final class Sequence {
    final int requestIdx;
    final GenerationRequest request;
    final BlockTable blockTable;
    final SplittableRandom rng;
    private int[] tokens;
    private int numTokens;
    /** Tokens whose k/v are in the cache. */
    int numComputed;
    FinishReason finishReason;
    /** Prompt tokens found in the prefix cache when the sequence was first scheduled; -1 before. */
    int numCachedTokens = -1;

    Sequence(int requestIdx, GenerationRequest request, int blockSize) {
        this.requestIdx = requestIdx;
        this.request = request;
        this.blockTable = new BlockTable(blockSize);
        this.rng = new SplittableRandom(request.sampling().seed() + requestIdx);
        this.tokens = new int[request.promptIds().length + request.maxNewTokens()];
        System.arraycopy(request.promptIds(), 0, tokens, 0, request.promptIds().length);
        this.numTokens = request.promptIds().length;
    }

    int numTokens() {
        return numTokens;
    }

    int token(int pos) {
        return tokens[pos];
    }

    int numOutput() {
        return numTokens - request.promptIds().length;
    }

    /** The token array (prompt then output); valid up to {@link #numTokens()}. */
    int[] tokens() {
        return tokens;
    }

    void append(int id) {
        tokens[numTokens++] = id;
    }

    boolean finished() {
        return finishReason != null;
    }

    GenerationResult result() {
        int p = request.promptIds().length;
        return new GenerationResult(request.promptIds().clone(), java.util.Arrays.copyOfRange(tokens, p, numTokens),
                finishReason, Math.max(numCachedTokens, 0));
    }
}
