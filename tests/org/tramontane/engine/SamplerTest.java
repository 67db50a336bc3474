package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Sampling against a plain reference written here (HF's order: temperature, top-k, top-p, one
 * uniform draw), seed for seed; counts from fixed seeds against the distribution each filter
 * leaves. Every run of these tests draws the same numbers, so the count bounds never flake.
 */
class SamplerTest {

    @Test
    void greedyIsTheArgmaxLowestIdOnTiesAndDrawsNothing() {
        float[] logits = {1f, 3f, 3f, 2f, -5f};
        assertEquals(1, Sampler.argmax(logits));
        SplittableRandom rng = new SplittableRandom(7);
        assertEquals(1, Sampler.sample(logits, SamplingParams.greedy(), rng));
        assertEquals(new SplittableRandom(7).nextLong(), rng.nextLong(), "greedy leaves the generator untouched");
        assertEquals(4, Sampler.argmax(new float[] {0f, 0f, 0f, 0f, 1e-6f}));
    }

    @Test
    void tiesAmongCandidatesGoToTheLowerId() {
        float[] logits = {2f, 5f, 5f, 1f, 5f};
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            assertEquals(1, Sampler.sample(logits, new SamplingParams(1.5f, 1, 1f, 0), rng), "top-1 of a tie");
        }
    }

    @Test
    void theSameSeedDrawsTheSameTokens() {
        float[] logits = randomLogits(new SplittableRandom(3), 40, 2.0);
        SamplingParams p = new SamplingParams(0.8f, 10, 0.9f, 0);
        int[] a = draws(logits, p, new SplittableRandom(42), 500);
        int[] b = draws(logits, p, new SplittableRandom(42), 500);
        int[] c = draws(logits, p, new SplittableRandom(43), 500);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c), "another seed, other draws");
    }

    @Test
    void drawsWhatThePlainReferenceDrawsSeedForSeed() {
        SplittableRandom logitsRng = new SplittableRandom(11);
        float[] temperatures = {0.3f, 0.7f, 1f, 1.8f};
        int[] topKs = {0, 1, 3, 17};
        float[] topPs = {1f, 0.95f, 0.6f, 0.1f};
        for (float t : temperatures) {
            for (int k : topKs) {
                for (float topP : topPs) {
                    float[] logits = randomLogits(logitsRng, 64, 3.0);
                    SamplingParams p = new SamplingParams(t, k, topP, 0);
                    long seed = logitsRng.nextLong();
                    SplittableRandom a = new SplittableRandom(seed), b = new SplittableRandom(seed);
                    for (int i = 0; i < 300; i++) {
                        assertEquals(reference(logits, p, b), Sampler.sample(logits, p, a),
                                "T=" + t + " k=" + k + " p=" + topP + " draw " + i);
                    }
                }
            }
        }
    }

    @Test
    void countsFollowTheTemperedSoftmax() {
        float[] logits = logs(0.4, 0.3, 0.2, 0.1);
        // temperature 0.5 squares each probability before renormalising: 16:9:4:1
        assertCounts(logits, new SamplingParams(0.5f, 0, 1f, 0), new double[] {16 / 30.0, 9 / 30.0, 4 / 30.0, 1 / 30.0});
        assertCounts(logits, new SamplingParams(1f, 0, 1f, 0), new double[] {0.4, 0.3, 0.2, 0.1});
    }

    @Test
    void topKKeepsTheKMostLikelyRenormalised() {
        float[] logits = logs(0.1, 0.4, 0.2, 0.3);
        assertCounts(logits, new SamplingParams(1f, 2, 1f, 0), new double[] {0, 4 / 7.0, 0, 3 / 7.0});
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingTheMass() {
        float[] logits = logs(0.15, 0.5, 0.05, 0.3);
        // 0.5, then 0.8 >= 0.75: ids 1 and 3 stay
        assertCounts(logits, new SamplingParams(1f, 0, 0.75f, 0), new double[] {0, 0.5 / 0.8, 0, 0.3 / 0.8});
        // after top-3 the masses are 0.5/0.95, 0.3/0.95, 0.15/0.95; 0.526 < 0.6 <= 0.842: ids 1 and 3 stay
        assertCounts(logits, new SamplingParams(1f, 3, 0.6f, 0), new double[] {0, 0.5 / 0.8, 0, 0.3 / 0.8});
        // a tiny top-p still keeps the most likely token
        assertCounts(logits, new SamplingParams(2f, 0, 0.01f, 0), new double[] {0, 1, 0, 0});
    }

    /** N draws from a fixed seed: filtered ids never, the others within 5 standard deviations. */
    private static void assertCounts(float[] logits, SamplingParams p, double[] want) {
        int n = 40_000;
        int[] counts = new int[logits.length];
        for (int id : draws(logits, p, new SplittableRandom(2024), n)) counts[id]++;
        for (int id = 0; id < want.length; id++) {
            if (want[id] == 0) {
                assertEquals(0, counts[id], "id " + id + " is filtered out");
            } else {
                double mean = n * want[id];
                double sd = Math.sqrt(n * want[id] * (1 - want[id]));
                assertTrue(Math.abs(counts[id] - mean) <= 5 * sd + 1e-9,
                        "id " + id + ": " + counts[id] + " draws, expected " + mean + " +- " + 5 * sd);
            }
        }
    }

    /**
     * The reference: probabilities over the whole vocabulary from logits / T, then a mask per
     * filter, renormalised after each, and a draw walking ids from most to least likely.
     */
    private static int reference(float[] logits, SamplingParams p, SplittableRandom rng) {
        int n = logits.length;
        if (p.temperature() == 0f) {
            int best = 0;
            for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l / p.temperature());
        double[] prob = new double[n];
        for (int i = 0; i < n; i++) prob[i] = Math.exp(logits[i] / p.temperature() - max);
        // ids from most to least likely; equal logits: lower id first
        int[] order = new int[n];
        boolean[] taken = new boolean[n];
        for (int r = 0; r < n; r++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (!taken[i] && (best < 0 || logits[i] > logits[best])) best = i;
            }
            taken[best] = true;
            order[r] = best;
        }
        boolean[] keep = new boolean[n];
        int k = p.topK() == 0 ? n : Math.min(p.topK(), n);
        for (int r = 0; r < k; r++) keep[order[r]] = true;
        if (p.topP() < 1f) {
            double mass = 0;
            for (int i = 0; i < n; i++) if (keep[i]) mass += prob[i];
            double cum = 0;
            boolean reached = false;
            for (int r = 0; r < n; r++) {
                int id = order[r];
                if (!keep[id]) continue;
                if (reached) {
                    keep[id] = false;
                } else {
                    cum += prob[id] / mass;
                    reached = cum >= p.topP();
                }
            }
        }
        double mass = 0;
        for (int i = 0; i < n; i++) if (keep[i]) mass += prob[i];
        double u = rng.nextDouble();
        double cum = 0;
        int last = -1;
        for (int r = 0; r < n; r++) {
            int id = order[r];
            if (!keep[id]) continue;
            cum += prob[id] / mass;
            last = id;
            if (u < cum) return id;
        }
        return last;
    }

    private static int[] draws(float[] logits, SamplingParams p, SplittableRandom rng, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = Sampler.sample(logits, p, rng);
        return out;
    }

    private static float[] logs(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.log(probs[i]);
        return l;
    }

    /** Normal-ish logits with a few exact ties, so the tie order is exercised too. */
    private static float[] randomLogits(SplittableRandom rng, int n, double scale) {
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) ((rng.nextDouble() - 0.5) * 2 * scale);
        for (int i = 0; i + 7 < n; i += 9) l[i + 7] = l[i];
        return l;
    }
}
