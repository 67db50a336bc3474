package org.tramontane.engine;

/**
 * @param outputIds       the generated ids, including the EOS that stopped the sequence (if any)
 * @param numCachedTokens prompt tokens whose keys and values came from the prefix cache (their prefill was
 *                        skipped) when the sequence was first scheduled; 0 without prefix caching
 */
public record GenerationResult(int[] inputIds, int[] outputIds, FinishReason finishReason, int numCachedTokens) {
}
