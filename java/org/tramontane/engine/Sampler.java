package org.tramontane.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks a token from one row of logits. Pure: the caller owns the random generator. */
public final class Sampler {
    private Sampler() {}

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }

    public static int sample(float[] logits, SamplingParams p, SplittableRandom rng) {
        if (p.isGreedy()) return argmax(logits);
        int n = logits.length;
        // candidates sorted by descending logit (ties: lower id first), as torch.sort would
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int keep = p.topK() > 0 ? Math.min(p.topK(), n) : n;
        double max = logits[order[0]] / p.temperature();
        double[] probs = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            probs[i] = Math.exp(logits[order[i]] / p.temperature() - max);
            sum += probs[i];
        }
        // top-p: the smallest prefix whose mass reaches topP (the first token always stays)
        if (p.topP() < 1f) {
            double cum = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                cum += probs[i] / sum;
                if (cum >= p.topP()) {
                    cut = i + 1;
                    break;
                }
            }
            keep = cut;
            sum = 0;
            for (int i = 0; i < keep; i++) sum += probs[i];
        }
        double r = rng.nextDouble() * sum;
        for (int i = 0; i < keep; i++) {
            r -= probs[i];
            if (r < 0) return order[i];
        }
        return order[keep - 1];
    }
}
