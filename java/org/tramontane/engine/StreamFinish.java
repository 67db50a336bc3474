package org.tramontane.engine;

/**
 * @param reason          why the sequence ended
 * @param text            the text held back until the end (after the last {@link TokenOutput}); empty on a stop string
 * @param numPromptTokens the prompt's length
 * @param numOutputTokens tokens generated, the one that stopped it included
 * @param numCachedTokens prompt tokens found in the prefix cache when the sequence was first scheduled (their
 *                        prefill skipped); 0 without prefix caching or when it never ran
 */
public record StreamFinish(FinishReason reason, String text, int numPromptTokens, int numOutputTokens,
        int numCachedTokens) {
}
