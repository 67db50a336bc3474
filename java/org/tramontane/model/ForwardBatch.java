package org.tramontane.model;

/**
 * One step's flat batch: the tokens of every scheduled sequence concatenated, no padding.
 * Prefill chunks and decode tokens mix freely.
 *
 * @param tokenIds    [numTokens]
 * @param positions   [numTokens] absolute position of each token in its sequence
 * @param seqIdx      [numTokens] index into blockTables of the token's sequence
 * @param slotMapping [numTokens] KV-cache slot each token's k/v is written to
 * @param blockTables [numSeqs][*] physical block ids of each sequence (rows may differ in length)
 * @param logitsIdx   token indices whose logits are wanted (usually the last token of each sequence)
 */
public record ForwardBatch(int[] tokenIds, int[] positions, int[] seqIdx, int[] slotMapping,
        int[][] blockTables, int[] logitsIdx) {

    public ForwardBatch {
        int n = tokenIds.length;
        if (positions.length != n || seqIdx.length != n || slotMapping.length != n) {
            throw new IllegalArgumentException("per-token arrays differ in length");
        }
    }

    public int numTokens() {
        return tokenIds.length;
    }

    public int numSeqs() {
        return blockTables.length;
    }
}
