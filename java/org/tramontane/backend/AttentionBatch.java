package org.tramontane.backend;

/**
 * Per-step attention metadata of a flat batch, already on the device: for token t its sequence
 * {@code seqIdx[t]} and absolute position {@code positions[t]}; for sequence s its block table
 * row {@code blockTables[s, 0..maxBlocksPerSeq)}. Prefill and decode tokens mix freely.
 *
 * @param seqIdx      int32 [numTokens]
 * @param positions   int32 [numTokens]
 * @param slotMapping int32 [numTokens], the cache slot each token's k/v is written to
 * @param blockTables int32 [numSeqs, maxBlocksPerSeq]
 */
public record AttentionBatch(int numTokens, int numSeqs, int maxBlocksPerSeq, DeviceTensor seqIdx,
        DeviceTensor positions, DeviceTensor slotMapping, DeviceTensor blockTables) {
}
