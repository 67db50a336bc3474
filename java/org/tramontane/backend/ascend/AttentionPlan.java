package org.tramontane.backend.ascend;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a step's flat batch into the runs the two ATB attention kernels take: consecutive
 * whole-prompt prefills (positions 0..n-1, SelfAttention PA_ENCODER over seqLens) and consecutive
 * single-token steps over the cache (PagedAttention over contextLens). A one-token prompt is a
 * decode step over a context of 1: its key is in the cache by then.
 */
final class AttentionPlan {
    private AttentionPlan() {}

    enum Kind { PREFILL, DECODE }

    /**
     * Tokens [firstToken, firstToken + numTokens) of sequences firstSeq, firstSeq + 1, ...;
     * {@code lens} holds each sequence's seqLen (prefill) or contextLen (decode).
     */
    record Run(Kind kind, int firstToken, int numTokens, int firstSeq, int[] lens) {}

    /**
     * The runs of a batch whose token t belongs to sequence seqIdx[t] at positions[t] (the first
     * numTokens entries). Refuses what the binding cannot run yet: a prefill that continues a cached
     * prefix, and a context reaching a sliding window (window > 0).
     */
    static List<Run> of(int[] seqIdx, int[] positions, int numTokens, int window) {
        if (window > 0) {
            for (int t = 0; t < numTokens; t++) {
                if (positions[t] >= window) {
                    throw new AscendException("ascend backend: sliding window " + window + " is not supported yet and "
                            + "this context reaches position " + positions[t] + " (MindIE ignores the window; we refuse)");
                }
            }
        }
        List<Run> runs = new ArrayList<>();
        int t = 0;
        while (t < numTokens) {
            int start = t;
            Kind kind = seqLength(seqIdx, t, numTokens) == 1 ? Kind.DECODE : Kind.PREFILL;
            int firstSeq = seqIdx[t];
            List<Integer> lens = new ArrayList<>();
            while (t < numTokens && (seqLength(seqIdx, t, numTokens) == 1 ? Kind.DECODE : Kind.PREFILL) == kind) {
                int len = seqLength(seqIdx, t, numTokens);
                if (kind == Kind.PREFILL) {
                    for (int i = 0; i < len; i++) {
                        if (positions[t + i] != i) {
                            throw new AscendException("ascend backend: a prefill that continues a cached prefix "
                                    + "(chunked prefill / prefix cache) is not supported yet");
                        }
                    }
                }
                if (seqIdx[t] != firstSeq + lens.size()) {
                    throw new IllegalArgumentException("ascend backend: sequences must appear in order in the batch");
                }
                lens.add(kind == Kind.DECODE ? positions[t] + 1 : len);
                t += len;
            }
            runs.add(new Run(kind, start, t - start, firstSeq, lens.stream().mapToInt(Integer::intValue).toArray()));
        }
        return runs;
    }

    /** How many tokens of the sequence that starts at token t are in this step. */
    private static int seqLength(int[] seqIdx, int t, int numTokens) {
        int e = t;
        while (e < numTokens && seqIdx[e] == seqIdx[t]) e++;
        return e - t;
    }
}
