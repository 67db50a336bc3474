package org.tramontane.backend.ascend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tramontane.backend.AttentionMetadata;

/**
 * Splits a step's sequences, in batch order, into the runs the ATB attention kernels take:
 * consecutive whole-prompt prefills (from position 0: SelfAttention PA_ENCODER over seqLen),
 * consecutive prefill chunks that continue a cached prefix where SelfAttention PREFIX_ENCODER takes
 * them (seqLen = query lengths, kvSeqLen = context after the step; ATB wants block size 128, every
 * cached prefix a multiple of 128 and a head size that is a multiple of 16 of at most 128), and
 * consecutive single-token steps over the cache (PagedAttention over contextLens). A one-token prompt
 * is a decode step over a context of 1: its key is in the cache by then.
 *
 * <p>Everything else runs every token as its own PagedAttention query ({@link Kind#QUERIES},
 * {@link Queries}): a chunk PREFIX_ENCODER cannot take (its query at position p reads the context
 * [0, p]), and under a sliding window W any sequence whose context passes W, since none of the
 * kernels takes a window over the paged cache: its query at p gets the block-table row from the block
 * holding its window's first key, a context that ends at p, and a mask over the keys of that first
 * block before the window. Made once per step from the step's {@link AttentionMetadata}, read by
 * every layer.
 */
final class AttentionPlan {
    private AttentionPlan() {}

    enum Kind { PREFILL, CHUNK, DECODE, QUERIES }

    /** PREFIX_ENCODER's block size, and the multiple every cached prefix must be. */
    static final int PREFIX_ENCODER_BLOCK = 128;

    /**
     * Tokens [firstToken, firstToken + numTokens) of sequences firstSeq .. firstSeq + queryLens.length - 1;
     * {@code queryLens} and {@code seqLens} are those sequences' entries of the metadata (a decode's
     * contextLens are its seqLens).
     */
    record Run(Kind kind, int firstToken, int numTokens, int firstSeq, int[] queryLens, int[] seqLens, Queries queries) {
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
     * The per-token PagedAttention queries of a {@link Kind#QUERIES} run, token i of the run at position p
     * (W = the window, or p + 1 without one): its block-table row is row {@code tableRows[i]} of the step's
     * block tables from column {@code firstBlocks[i]} = (max(0, p - W + 1) / blockSize) on ({@code rowBlocks}
     * columns, clamped to the row), its context {@code contextLens[i]} = p + 1 - firstBlocks[i] * blockSize
     * positions of which the first {@code maskedLens[i]} = max(0, p - W + 1) - firstBlocks[i] * blockSize are
     * before the window and masked (fewer than one block).
     */
    record Queries(int[] tableRows, int[] firstBlocks, int rowBlocks, int[] contextLens, int[] maskedLens,
            int maxContextLen) {}

    /**
     * The runs of a step whose KV cache has blocks of {@code blockSize} positions and heads of {@code headDim},
     * under a sliding window of {@code window} positions (0: none). The batch must be
     * {@link AttentionMetadata#inOrder}.
     */
    static List<Run> of(AttentionMetadata meta, int window, int blockSize, int headDim) {
        if (!meta.inOrder()) {
            throw new IllegalArgumentException("ascend backend: the tokens of each sequence must be in position order");
        }
        boolean prefixEncoder = blockSize == PREFIX_ENCODER_BLOCK && headDim % 16 == 0 && headDim <= 128;
        List<Run> runs = new ArrayList<>();
        int s = 0;
        while (s < meta.numSeqs()) {
            Kind kind = kindOf(meta, s, window, prefixEncoder);
            int first = s;
            while (s < meta.numSeqs() && kindOf(meta, s, window, prefixEncoder) == kind) s++;
            int firstToken = meta.queryStartLoc()[first];
            runs.add(new Run(kind, firstToken, meta.queryStartLoc()[s] - firstToken, first,
                    Arrays.copyOfRange(meta.queryLens(), first, s), Arrays.copyOfRange(meta.seqLens(), first, s),
                    kind == Kind.QUERIES ? queries(meta, first, s, window, blockSize) : null));
        }
        return runs;
    }

    private static Kind kindOf(AttentionMetadata meta, int s, int window, boolean prefixEncoder) {
        if (window > 0 && meta.seqLens()[s] > window) return Kind.QUERIES;
        if (meta.isDecode(s)) return Kind.DECODE;
        int cached = meta.computedLens()[s];
        if (cached == 0) return Kind.PREFILL;
        return prefixEncoder && cached % PREFIX_ENCODER_BLOCK == 0 ? Kind.CHUNK : Kind.QUERIES;
    }

    private static Queries queries(AttentionMetadata meta, int firstSeq, int endSeq, int window, int blockSize) {
        int n = meta.queryStartLoc()[endSeq] - meta.queryStartLoc()[firstSeq];
        int[] rows = new int[n], firstBlocks = new int[n], ctx = new int[n], masked = new int[n];
        int rowBlocks = 0, maxCtx = 0, i = 0;
        for (int s = firstSeq; s < endSeq; s++) {
            for (int p = meta.computedLens()[s]; p < meta.seqLens()[s]; p++, i++) {
                int windowStart = window > 0 ? Math.max(0, p - window + 1) : 0;
                rows[i] = s;
                firstBlocks[i] = windowStart / blockSize;
                ctx[i] = p + 1 - firstBlocks[i] * blockSize;
                masked[i] = windowStart - firstBlocks[i] * blockSize;
                rowBlocks = Math.max(rowBlocks, (ctx[i] + blockSize - 1) / blockSize);
                maxCtx = Math.max(maxCtx, ctx[i]);
            }
        }
        return new Queries(rows, firstBlocks, rowBlocks, ctx, masked, maxCtx);
    }
}
