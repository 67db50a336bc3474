package org.tramontane.engine;

/**
 * @param tokenId  the chosen id
 * @param text     the text this token releases (may be empty)
 * @param logprobs its log-probability and the top alternatives, or null when not asked for
 */
public record TokenOutput(int tokenId, String text, TokenLogprobs logprobs) {
}
