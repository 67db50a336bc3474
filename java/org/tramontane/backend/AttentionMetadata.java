package org.tramontane.backend;

import java.util.Arrays;

/**
 * The host side of a step's attention metadata, computed once per step from the flat batch (vLLM's
 * {@code CommonAttentionMetadata}): every backend reads these instead of re-deriving sequence runs in
 * each layer. The tokens of sequence s are tokens {@code [queryStartLoc[s], queryStartLoc[s + 1])} of the
 * batch, at positions {@code [computedLens[s], seqLens[s])}.
 *
 * <p>A sequence whose step is one token is a decode (its query attends to the cache only); one of more
 * tokens is a prefill: from position 0 when {@code computedLens[s] == 0}, else a chunk that continues a
 * cached prefix (chunked prefill, prefix cache).
 *
 * @param numTokens       tokens of the step (all sequences)
 * @param numSeqs         sequences of the step
 * @param maxBlocksPerSeq columns of the step's block-table matrix
 * @param queryStartLoc   [numSeqs + 1] prefix sums of queryLens (queryStartLoc[0] = 0, last = numTokens)
 * @param queryLens       [numSeqs] tokens of each sequence in this step
 * @param seqLens         [numSeqs] each sequence's context after this step (cached + new)
 * @param computedLens    [numSeqs] positions already in the cache before this step (seqLens - queryLens)
 * @param numDecodes      sequences with one query token
 * @param numPrefills     sequences with more than one (numSeqs - numDecodes)
 * @param numPrefillTokens tokens of the prefills (numTokens - numDecodes)
 * @param decodesFirst    whether every decode precedes every prefill in the batch (vLLM's ordering)
 * @param maxQueryLen     the largest queryLens entry
 * @param maxSeqLen       the largest seqLens entry
 * @param inOrder         whether token queryStartLoc[s] + i of every sequence s is at position computedLens[s] + i
 *                        (how the engine builds its batches; kernels that take a sequence's queries as one causal
 *                        block need it)
 */
public record AttentionMetadata(int numTokens, int numSeqs, int maxBlocksPerSeq, int[] queryStartLoc, int[] queryLens,
        int[] seqLens, int[] computedLens, int numDecodes, int numPrefills, int numPrefillTokens, boolean decodesFirst,
        int maxQueryLen, int maxSeqLen, boolean inOrder) {

    /**
     * The metadata of a flat batch whose token t belongs to sequence {@code seqIdx[t]} at absolute position
     * {@code positions[t]}. The tokens of each sequence must be consecutive in the batch, the sequences in
     * index order 0..numSeqs-1, each with at least one token, and a sequence's positions must cover
     * {@code [seqLen - queryLen, seqLen)} (in any order). Throws IllegalArgumentException otherwise.
     */
    public static AttentionMetadata of(int[] seqIdx, int[] positions, int numSeqs, int maxBlocksPerSeq) {
        int n = seqIdx.length;
        if (positions.length != n) {
            throw new IllegalArgumentException("seqIdx has " + n + " tokens, positions " + positions.length);
        }
        if (numSeqs < 0 || maxBlocksPerSeq < 0) throw new IllegalArgumentException("negative numSeqs or maxBlocksPerSeq");
        int[] start = new int[numSeqs + 1];
        int[] queryLens = new int[numSeqs];
        int[] seqLens = new int[numSeqs];
        int[] computed = new int[numSeqs];
        int t = 0;
        for (int s = 0; s < numSeqs; s++) {
            start[s] = t;
            if (t >= n || seqIdx[t] != s) {
                throw new IllegalArgumentException("sequence " + s + " has no tokens at token " + t
                        + " (the tokens of each sequence must be consecutive, sequences in index order)");
            }
            int min = Integer.MAX_VALUE;
            int max = -1;
            while (t < n && seqIdx[t] == s) {
                if (positions[t] < 0 || positions[t] == Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("token " + t + " has position " + positions[t]
                            + " (0 .. " + (Integer.MAX_VALUE - 1) + ")");
                }
                min = Math.min(min, positions[t]);
                max = Math.max(max, positions[t]);
                t++;
            }
            queryLens[s] = t - start[s];
            seqLens[s] = max + 1;
            computed[s] = seqLens[s] - queryLens[s];
            if (computed[s] != min) {
                throw new IllegalArgumentException("sequence " + s + " holds " + queryLens[s] + " tokens at positions "
                        + min + ".." + max + ": not one contiguous range");
            }
        }
        if (t != n) {
            throw new IllegalArgumentException("token " + t + " belongs to sequence " + seqIdx[t] + " of " + numSeqs);
        }
        start[numSeqs] = n;
        boolean inOrder = true;
        for (int s = 0; s < numSeqs && inOrder; s++) {
            for (int i = start[s]; i < start[s + 1]; i++) {
                if (positions[i] != computed[s] + i - start[s]) {
                    inOrder = false;
                    break;
                }
            }
        }
        int numDecodes = 0;
        int maxQueryLen = 0;
        int maxSeqLen = 0;
        boolean decodesFirst = true;
        boolean seenPrefill = false;
        for (int s = 0; s < numSeqs; s++) {
            if (queryLens[s] == 1) {
                numDecodes++;
                if (seenPrefill) decodesFirst = false;
            } else {
                seenPrefill = true;
            }
            maxQueryLen = Math.max(maxQueryLen, queryLens[s]);
            maxSeqLen = Math.max(maxSeqLen, seqLens[s]);
        }
        return new AttentionMetadata(n, numSeqs, maxBlocksPerSeq, start, queryLens, seqLens, computed, numDecodes,
                numSeqs - numDecodes, n - numDecodes, decodesFirst, maxQueryLen, maxSeqLen, inOrder);
    }

    /** Whether sequence s has one query token this step (it attends to the cache only). */
    public boolean isDecode(int s) {
        return queryLens[s] == 1;
    }

    @Override
    public String toString() {
        return "AttentionMetadata[numTokens=" + numTokens + ", numSeqs=" + numSeqs + ", queryLens="
                + Arrays.toString(queryLens) + ", seqLens=" + Arrays.toString(seqLens) + ", numDecodes=" + numDecodes
                + ", decodesFirst=" + decodesFirst + "]";
    }
}
