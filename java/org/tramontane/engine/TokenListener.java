package org.tramontane.engine;

/** Sees every token as it is chosen (streaming, logits capture). */
public interface TokenListener {
    /**
     * @param requestIdx index of the request in the submitted list
     * @param step       0 for the token chosen at the last prompt position
     * @param logits     the raw logits the token was chosen from (before temperature/top-k/top-p); valid
     *                   during the call only (the engine reuses the array), copy what you keep
     */
    void onToken(int requestIdx, int step, int tokenId, float[] logits);

    TokenListener NONE = (r, s, t, l) -> { };
}
