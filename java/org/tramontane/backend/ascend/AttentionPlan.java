package org.tramontane.backend.ascend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tramontane.backend.AttentionMetadata;

/**
 * Splits a step's sequences, in batch order, into the runs the three ATB attention kernels take:
 * consecutive whole-prompt prefills (from position 0: SelfAttention PA_ENCODER over seqLen),
 * consecutive prefill chunks that continue a cached prefix (SelfAttention PREFIX_ENCODER over the
 * paged cache, seqLen = query lengths, kvSeqLen = context after the step) and consecutive
 * single-token steps over the cache (PagedAttention over contextLens). A one-token prompt is a
 * decode step over a context of 1: its key is in the cache by then. Under a sliding window W, a
 * sequence whose context passes W runs every one of its tokens as its own PagedAttention query
 * ({@link Window}): none of the three kernels takes a window over the paged cache, so each query gets
 * the block-table row from the block holding its window's first key, a context that ends at its own
 * position, and a mask over the keys of that first block before the window. Made once per step from
 * the step's {@link AttentionMetadata}, read by every layer.
 */
final class AttentionPlan {
    private AttentionPlan() {}

    enum Kind { PREFILL, CHUNK, DECODE, WINDOW }

    /**
     * Tokens [firstToken, firstToken + numTokens) of sequences firstSeq .. firstSeq + queryLens.length - 1;
     * {@code queryLens} and {@code seqLens} are those sequences' entries of the metadata (a decode's
     * contextLens are its seqLens).
     */
    record Run(Kind kind, int firstToken, int numTokens, int firstSeq, int[] queryLens, int[] seqLens, Window window) {
        int numSeqs() {
            return queryLens.length;
        }

        @Override
        public String toString() {
            return kind + "[tokens " + firstToken + "+" + numTokens + ", seqs " + firstSeq + "+" + numSeqs()
                    + ", queryLens " + Arrays.toString(queryLens) + ", seqLens " + Arrays.toString(seqLens) + "]";
        }
    }

    /**
     * The per-token PagedAttention queries of a {@link Kind#WINDOW} run, token i of the run at position p:
     * its block-table row is row {@code tableRows[i]} of the step's block tables from column
     * {@code firstBlocks[i]} = (max(0, p - W + 1) / blockSize) on ({@code rowBlocks} columns, clamped to
     * the row), its context {@code contextLens[i]} = p + 1 - firstBlocks[i] * blockSize positions of
     * which the first {@code maskedLens[i]} = max(0, p - W + 1) - firstBlocks[i] * blockSize are before
     * the window and masked (fewer than one block).
     */
    record Window(int[] tableRows, int[] firstBlocks, int rowBlocks, int[] contextLens, int[] maskedLens,
            int maxContextLen) {}

    /**
     * The runs of a step whose KV cache has blocks of {@code blockSize} positions, under a sliding window
     * of {@code window} positions (0: none). The batch must be {@link AttentionMetadata#inOrder}.
     */
    static List<Run> of(AttentionMetadata meta, int window, int blockSize) {
        if (!meta.inOrder()) {
            throw new IllegalArgumentException("ascend backend: the tokens of each sequence must be in position order");
        }
        List<Run> runs = new ArrayList<>();
        int s = 0;
        while (s < meta.numSeqs()) {
            Kind kind = kindOf(meta, s, window);
            int first = s;
            while (s < meta.numSeqs() && kindOf(meta, s, window) == kind) s++;
            int firstToken = meta.queryStartLoc()[first];
            runs.add(new Run(kind, firstToken, meta.queryStartLoc()[s] - firstToken, first,
                    Arrays.copyOfRange(meta.queryLens(), first, s), Arrays.copyOfRange(meta.seqLens(), first, s),
                    kind == Kind.WINDOW ? window(meta, first, s, window, blockSize) : null));
        }
        return runs;
    }

    private static Kind kindOf(AttentionMetadata meta, int s, int window) {
        if (window > 0 && meta.seqLens()[s] > window) return Kind.WINDOW;
        if (meta.isDecode(s)) return Kind.DECODE;
        return meta.computedLens()[s] == 0 ? Kind.PREFILL : Kind.CHUNK;
    }

    private static Window window(AttentionMetadata meta, int firstSeq, int endSeq, int window, int blockSize) {
        int n = meta.queryStartLoc()[endSeq] - meta.queryStartLoc()[firstSeq];
        int[] rows = new int[n], firstBlocks = new int[n], ctx = new int[n], masked = new int[n];
        int rowBlocks = 0, maxCtx = 0, i = 0;
        for (int s = firstSeq; s < endSeq; s++) {
            for (int p = meta.computedLens()[s]; p < meta.seqLens()[s]; p++, i++) {
                int windowStart = Math.max(0, p - window + 1);
                rows[i] = s;
                firstBlocks[i] = windowStart / blockSize;
                ctx[i] = p + 1 - firstBlocks[i] * blockSize;
                masked[i] = windowStart - firstBlocks[i] * blockSize;
                rowBlocks = Math.max(rowBlocks, (ctx[i] + blockSize - 1) / blockSize);
                maxCtx = Math.max(maxCtx, ctx[i]);
            }
        }
        return new Window(rows, firstBlocks, rowBlocks, ctx, masked, maxCtx);
    }
}
