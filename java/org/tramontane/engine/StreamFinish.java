package org.tramontane.engine;

/**
 * @param reason          why the sequence ended
 * @param text            the text held back until the end (after the last {@link TokenOutput}); empty on a stop string
 * @param numPromptTokens the prompt's length
 * @param numOutputTokens tokens generated, the one that stopped it included
 */
public record StreamFinish(FinishReason reason, String text, int numPromptTokens, int numOutputTokens) {
}
