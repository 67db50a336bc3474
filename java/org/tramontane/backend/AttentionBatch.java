package org.tramontane.backend;

/**
 * A step's attention metadata, computed once per step: the host copies ({@link #meta}) and the same
 * values on the device, plus the per-token arrays. For token t its sequence {@code seqIdx[t]} and absolute
 * position {@code positions[t]}; for sequence s its block table row {@code blockTables[s, 0..maxBlocksPerSeq)}.
 * Prefill and decode tokens mix freely; {@link AttentionMetadata} says how.
 *
 * @param meta          the host copies of the per-sequence lengths and the prefill/decode split
 * @param seqIdx        int32 [numTokens]
 * @param positions     int32 [numTokens]
 * @param slotMapping   int32 [numTokens], the cache slot each token's k/v is written to
 * @param blockTables   int32 [numSeqs, maxBlocksPerSeq]
 * @param queryStartLoc int32 [numSeqs + 1], {@code meta.queryStartLoc()} on the device
 * @param queryLens     int32 [numSeqs], {@code meta.queryLens()} on the device
 * @param seqLens       int32 [numSeqs], {@code meta.seqLens()} on the device
 * @param computedLens  int32 [numSeqs], {@code meta.computedLens()} on the device
 */
public record AttentionBatch(AttentionMetadata meta, DeviceTensor seqIdx, DeviceTensor positions,
        DeviceTensor slotMapping, DeviceTensor blockTables, DeviceTensor queryStartLoc, DeviceTensor queryLens,
        DeviceTensor seqLens, DeviceTensor computedLens) {

    public AttentionBatch {
        int n = meta.numTokens();
        int s = meta.numSeqs();
        require(seqIdx, n, "seqIdx");
        require(positions, n, "positions");
        require(slotMapping, n, "slotMapping");
        require(blockTables, (long) s * meta.maxBlocksPerSeq(), "blockTables");
        require(queryStartLoc, s + 1L, "queryStartLoc");
        require(queryLens, s, "queryLens");
        require(seqLens, s, "seqLens");
        require(computedLens, s, "computedLens");
    }

    private static void require(DeviceTensor t, long elems, String name) {
        if (t.numElements() != elems) {
            throw new IllegalArgumentException("AttentionBatch." + name + " " + t + " does not hold " + elems + " elements");
        }
    }

    public int numTokens() {
        return meta.numTokens();
    }

    public int numSeqs() {
        return meta.numSeqs();
    }

    public int maxBlocksPerSeq() {
        return meta.maxBlocksPerSeq();
    }
}
