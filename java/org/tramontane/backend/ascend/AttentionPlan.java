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
 * decode step over a context of 1: its key is in the cache by then. Made once per step from the
 * step's {@link AttentionMetadata}, read by every layer.
 */
final class AttentionPlan {
    private AttentionPlan() {}

    enum Kind { PREFILL, CHUNK, DECODE }

    /**
     * Tokens [firstToken, firstToken + numTokens) of sequences firstSeq .. firstSeq + queryLens.length - 1;
     * {@code queryLens} and {@code seqLens} are those sequences' entries of the metadata (a decode's
     * contextLens are its seqLens).
     */
    record Run(Kind kind, int firstToken, int numTokens, int firstSeq, int[] queryLens, int[] seqLens) {
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
     * The runs of a step. Refuses what the binding cannot run yet: a context reaching a sliding window
     * (window > 0).
     */
    static List<Run> of(AttentionMetadata meta, int window) {
        if (window > 0 && meta.maxSeqLen() > window) {
            throw new AscendException("ascend backend: sliding window " + window + " is not supported yet and "
                    + "this context reaches position " + (meta.maxSeqLen() - 1) + " (MindIE ignores the window; we refuse)");
        }
        List<Run> runs = new ArrayList<>();
        int s = 0;
        while (s < meta.numSeqs()) {
            Kind kind = kindOf(meta, s);
            int first = s;
            while (s < meta.numSeqs() && kindOf(meta, s) == kind) s++;
            int firstToken = meta.queryStartLoc()[first];
            runs.add(new Run(kind, firstToken, meta.queryStartLoc()[s] - firstToken, first,
                    Arrays.copyOfRange(meta.queryLens(), first, s), Arrays.copyOfRange(meta.seqLens(), first, s)));
        }
        return runs;
    }

    private static Kind kindOf(AttentionMetadata meta, int s) {
        if (meta.isDecode(s)) return Kind.DECODE;
        return meta.computedLens()[s] == 0 ? Kind.PREFILL : Kind.CHUNK;
    }
}
