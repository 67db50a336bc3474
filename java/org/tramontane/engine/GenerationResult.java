package org.tramontane.engine;

/**
 * @param outputIds the generated ids, including the EOS that stopped the sequence (if any)
 */
public record GenerationResult(int[] inputIds, int[] outputIds, FinishReason finishReason) {
}
