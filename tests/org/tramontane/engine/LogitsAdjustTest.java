package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogitsAdjustTest {
    /** Prompt [0, 1], output [2, 2, 3]. */
    private static final int[] TOKENS = {0, 1, 2, 2, 3};

    private static float[] adjusted(LogitsAdjust a, float temperature) {
        float[] logits = {2f, -2f, 1f, 4f, 0.5f};
        a.apply(logits, TOKENS, TOKENS.length, 2, temperature);
        return logits;
    }

    @Test
    void nothingChangesWithoutAnAdjustment() {
        assertTrue(LogitsAdjust.NONE.isNone());
        assertArrayEquals(new float[] {2f, -2f, 1f, 4f, 0.5f}, adjusted(LogitsAdjust.NONE, 1f));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfEveryTokenSeen() {
        float[] l = adjusted(new LogitsAdjust(0f, 0f, 2f, 0f, Map.of()), 1f);
        assertArrayEquals(new float[] {1f, -4f, 0.5f, 2f, 0.5f}, l, 1e-6f, "token 4 was never seen");
    }

    @Test
    void frequencyAndPresencePenaltiesCountTheOutputOnly() {
        float[] l = adjusted(new LogitsAdjust(0.5f, 1f, 1f, 0f, Map.of()), 1f);
        // 2 appears twice in the output, 3 once; the prompt's 0 and 1 are not penalised
        assertArrayEquals(new float[] {2f, -2f, 1f - 2f - 0.5f, 4f - 1f - 0.5f, 0.5f}, l, 1e-6f);
    }

    @Test
    void logitBiasIsAddedFirst() {
        float[] l = adjusted(new LogitsAdjust(0f, 0f, 2f, 0f, Map.of(4, 3f, 1, -1f)), 1f);
        assertArrayEquals(new float[] {1f, -6f, 0.5f, 2f, 3.5f}, l, 1e-6f, "bias then the repetition penalty");
    }

    @Test
    void minPDropsTokensLessLikelyThanItsShareOfTheTop() {
        // at T = 1 the floor is 4 + ln(0.1) = 1.70: only 2 (logit 2) and 3 (logit 4) stay
        float[] l = adjusted(new LogitsAdjust(0f, 0f, 1f, 0.1f, Map.of()), 1f);
        float ninf = Float.NEGATIVE_INFINITY;
        assertArrayEquals(new float[] {2f, ninf, ninf, 4f, ninf}, l);
        // at T = 2 the floor is 4 + 2 ln(0.1) = -0.61: all but -2 stay
        assertArrayEquals(new float[] {2f, ninf, 1f, 4f, 0.5f}, adjusted(new LogitsAdjust(0f, 0f, 1f, 0.1f, Map.of()), 2f));
    }
}
