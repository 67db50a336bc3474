package org.tramontane.engine;

/**
 * One sequence to generate for.
 *
 * @param promptIds    the ids fed as the prompt, verbatim (BOS included by the caller if wanted)
 * @param maxNewTokens at most this many new tokens
 * @param ignoreEos    keep going after the EOS token
 */
public record GenerationRequest(int[] promptIds, int maxNewTokens, boolean ignoreEos, SamplingParams sampling) {
    public GenerationRequest {
        if (promptIds.length == 0) throw new IllegalArgumentException("empty prompt");
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens must be >= 1");
    }
}
