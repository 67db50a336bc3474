package org.tramontane.model;

import org.tramontane.config.MixtralConfig;

import org.tramontane.backend.Backend;
import org.tramontane.config.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.QkvLayout;

/**
 * Activations of one forward step, allocated for {@code maxTokens} tokens and reused (grown only
 * when a larger step arrives). Each step works on views of the first numTokens rows, so a step of
 * a size seen before allocates no native memory.
 */
final class StepBuffers {
    final int maxTokens;
    final int maxSeqs;
    final int maxBlocksPerSeq;
    final DeviceTensor ids;          // i32 [maxTokens]
    final DeviceTensor positions;    // i32 [maxTokens]
    final DeviceTensor seqIdx;       // i32 [maxTokens]
    final DeviceTensor slotMapping;  // i32 [maxTokens]
    final DeviceTensor blockTables;  // i32 [maxSeqs * maxBlocksPerSeq]
    final DeviceTensor queryStartLoc; // i32 [maxSeqs + 1]  the step's AttentionMetadata on the device
    final DeviceTensor queryLens;    // i32 [maxSeqs]
    final DeviceTensor seqLens;      // i32 [maxSeqs]
    final DeviceTensor computedLens; // i32 [maxSeqs]
    final DeviceTensor h;            // [maxTokens, hidden] residual stream (activations: b.activationDtype())
    // Two buffers carry four activations, each pair never live at once (MixtralModel.forward):
    // x dies at the qkv projection before attention writes attn, and qkv dies in attention before
    // o_proj writes delta; the next x / qkv are written after attn / delta are consumed.
    private final DeviceTensor xOrAttn;   // [maxTokens * max(hidden, qSize)]
    private final DeviceTensor qkvOrDelta; // [maxTokens * max(qkv width, hidden)]
    final DeviceTensor x;            // [maxTokens, hidden] normed input of a sub-block
    final DeviceTensor qkv;          // [maxTokens, this rank's qSize + 2 * kvSize]
    final DeviceTensor attn;         // [maxTokens, this rank's qSize]  (x's memory)
    final DeviceTensor delta;        // [maxTokens, hidden] o_proj / MoE output  (qkv's memory)
    final DeviceTensor expertIds;    // i32 [maxTokens, topK]
    final DeviceTensor routingWeights; // [maxTokens, topK]
    final int maxLogitsRows;
    final DeviceTensor last;         // [maxLogitsRows, hidden] rows whose logits are wanted
    final DeviceTensor normed;       // [maxLogitsRows, hidden] their final norm
    final DeviceTensor logits;       // f32 [maxLogitsRows, this rank's vocab slice]
    final DeviceTensor gathered;     // f32 [worldSize * maxLogitsRows, vocab slice] every rank's logits (null at 1)

    StepBuffers(Backend b, MixtralConfig cfg, QkvLayout layout, int maxTokens, int maxSeqs, int maxBlocksPerSeq,
            int maxLogitsRows, int vocabPerRank, int worldSize) {
        this.maxTokens = maxTokens;
        this.maxSeqs = maxSeqs;
        this.maxBlocksPerSeq = maxBlocksPerSeq;
        this.maxLogitsRows = maxLogitsRows;
        int hidden = cfg.hiddenSize();
        ids = b.allocate(DType.I32, maxTokens);
        positions = b.allocate(DType.I32, maxTokens);
        seqIdx = b.allocate(DType.I32, maxTokens);
        slotMapping = b.allocate(DType.I32, maxTokens);
        blockTables = b.allocate(DType.I32, (long) maxSeqs * maxBlocksPerSeq);
        queryStartLoc = b.allocate(DType.I32, maxSeqs + 1L);
        queryLens = b.allocate(DType.I32, maxSeqs);
        seqLens = b.allocate(DType.I32, maxSeqs);
        computedLens = b.allocate(DType.I32, maxSeqs);
        DType act = b.activationDtype();
        h = b.allocate(act, maxTokens, hidden);
        xOrAttn = b.allocate(act, (long) maxTokens * Math.max(hidden, layout.qSize()));
        qkvOrDelta = b.allocate(act, (long) maxTokens * Math.max(layout.width(), hidden));
        x = view(b, xOrAttn, maxTokens, hidden);
        attn = view(b, xOrAttn, maxTokens, layout.qSize());
        qkv = view(b, qkvOrDelta, maxTokens, layout.width());
        delta = view(b, qkvOrDelta, maxTokens, hidden);
        expertIds = b.allocate(DType.I32, maxTokens, cfg.topK());
        routingWeights = b.allocate(act, maxTokens, cfg.topK());
        last = b.allocate(act, maxLogitsRows, hidden);
        normed = b.allocate(act, maxLogitsRows, hidden);
        logits = b.allocate(DType.F32, maxLogitsRows, vocabPerRank);
        gathered = worldSize == 1 ? null : b.allocate(DType.F32, (long) worldSize * maxLogitsRows, vocabPerRank);
    }

    /** The first rows * cols elements of a flat buffer as a [rows, cols] tensor. */
    private static DeviceTensor view(Backend b, DeviceTensor flat, int rows, int cols) {
        return b.reshape(b.firstRows(flat, (long) rows * cols), rows, cols);
    }

    boolean fits(int numTokens, int numSeqs, int blocksPerSeq, int logitsRows) {
        return numTokens <= maxTokens && numSeqs <= maxSeqs && blocksPerSeq <= maxBlocksPerSeq
                && logitsRows <= maxLogitsRows;
    }

    void free(Backend b) {
        for (DeviceTensor t : new DeviceTensor[] {ids, positions, seqIdx, slotMapping, blockTables, queryStartLoc,
                queryLens, seqLens, computedLens, h, xOrAttn,
                qkvOrDelta, expertIds, routingWeights, last, normed, logits, gathered}) {
            if (t != null) b.free(t);
        }
    }
}
