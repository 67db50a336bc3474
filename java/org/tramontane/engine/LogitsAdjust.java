package org.tramontane.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * What a server request changes in the logits before sampling, in vLLM's order: logit_bias, then
 * the repetition penalty (HF's: over prompt and output, positive logits divided, negative
 * multiplied), the frequency and presence penalties (OpenAI's: over the output only), and min_p
 * (drop tokens less likely than min_p times the most likely, at the request's temperature).
 *
 * @param logitBias token id to the value added to its logit
 */
public record LogitsAdjust(float presencePenalty, float frequencyPenalty, float repetitionPenalty, float minP,
        Map<Integer, Float> logitBias) {
    public static final LogitsAdjust NONE = new LogitsAdjust(0f, 0f, 1f, 0f, Map.of());

    public LogitsAdjust {
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition penalty must be > 0");
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min_p must be in [0, 1]");
        logitBias = Map.copyOf(logitBias);
    }

    public boolean isNone() {
        return presencePenalty == 0 && frequencyPenalty == 0 && repetitionPenalty == 1 && minP == 0 && logitBias.isEmpty();
    }

    /**
     * Adjusts {@code logits} in place.
     *
     * @param tokens      the sequence so far, prompt first
     * @param promptLen   how many of {@code tokens} are the prompt
     * @param temperature the request's (min_p compares probabilities at it; 0 = greedy, where min_p changes nothing)
     */
    void apply(float[] logits, int[] tokens, int numTokens, int promptLen, float temperature) {
        for (Map.Entry<Integer, Float> b : logitBias.entrySet()) logits[b.getKey()] += b.getValue();
        if (repetitionPenalty != 1) {
            boolean[] seen = new boolean[logits.length];
            for (int i = 0; i < numTokens; i++) seen[tokens[i]] = true;
            for (int id = 0; id < logits.length; id++) {
                if (seen[id]) logits[id] = logits[id] > 0 ? logits[id] / repetitionPenalty : logits[id] * repetitionPenalty;
            }
        }
        if (presencePenalty != 0 || frequencyPenalty != 0) {
            Map<Integer, Integer> counts = new HashMap<>();
            for (int i = promptLen; i < numTokens; i++) counts.merge(tokens[i], 1, Integer::sum);
            for (Map.Entry<Integer, Integer> c : counts.entrySet()) {
                logits[c.getKey()] -= frequencyPenalty * c.getValue() + presencePenalty;
            }
        }
        if (minP > 0 && temperature > 0) {
            float max = Float.NEGATIVE_INFINITY;
            for (float l : logits) max = Math.max(max, l);
            // p_i >= minP * p_max  <=>  l_i >= l_max + T * ln(minP)
            double floor = max + temperature * Math.log(minP);
            for (int id = 0; id < logits.length; id++) {
                if (logits[id] < floor) logits[id] = Float.NEGATIVE_INFINITY;
            }
        }
    }
}
