package org.tramontane.engine;

/**
 * Log-probabilities of one step, from the raw logits (before temperature, top-k and top-p, as
 * vLLM reports them by default).
 *
 * @param logprob     the chosen token's
 * @param topIds      the most likely ids, most likely first (ties: lower id first)
 * @param topLogprobs their log-probabilities
 */
public record TokenLogprobs(float logprob, int[] topIds, float[] topLogprobs) {

    /** The log-softmax of {@code logits} at {@code tokenId}, and its {@code numTop} largest entries. */
    public static TokenLogprobs of(float[] logits, int tokenId, int numTop) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        float logZ = (float) (max + Math.log(sum));
        int k = Math.min(numTop, logits.length);
        int[] ids = new int[k];
        float[] lps = new float[k];
        // insertion into a k-long sorted list: k is small (OpenAI caps top_logprobs at 20)
        int filled = 0;
        for (int i = 0; i < logits.length && k > 0; i++) {
            float v = logits[i];
            if (filled == k && v <= logits[ids[k - 1]]) continue;
            int j = filled < k ? filled++ : k - 1;
            while (j > 0 && logits[ids[j - 1]] < v) {
                ids[j] = ids[j - 1];
                j--;
            }
            ids[j] = i;
        }
        for (int i = 0; i < k; i++) lps[i] = logits[ids[i]] - logZ;
        return new TokenLogprobs(logits[tokenId] - logZ, ids, lps);
    }
}
