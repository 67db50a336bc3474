package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TokenLogprobsTest {
    @Test
    void logSoftmaxOfTheChosenTokenAndTheTopOnesInOrder() {
        float[] logits = {1f, 3f, 2f, 3f, -1f};
        double logZ = Math.log(Math.exp(1) + 2 * Math.exp(3) + Math.exp(2) + Math.exp(-1));
        TokenLogprobs lp = TokenLogprobs.of(logits, 2, 3);
        assertEquals(2 - logZ, lp.logprob(), 1e-6);
        assertArrayEquals(new int[] {1, 3, 2}, lp.topIds(), "most likely first, ties by lower id");
        assertEquals(3 - logZ, lp.topLogprobs()[0], 1e-6);
        assertEquals(2 - logZ, lp.topLogprobs()[2], 1e-6);
        assertEquals(0, TokenLogprobs.of(logits, 4, 0).topIds().length);
        assertArrayEquals(new int[] {1, 3, 2, 0, 4}, TokenLogprobs.of(logits, 0, 9).topIds(), "capped at the vocabulary");
    }
}
