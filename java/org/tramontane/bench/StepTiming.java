package org.tramontane.bench;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.SamplingParams;
import org.tramontane.engine.TokenListener;

/**
 * One timed generate(), the measuring core of bench and of modeltest's performance sweep: every
 * prompt runs greedy with ignore-eos, so each sequence makes exactly {@code newTokens} tokens, and a
 * step counts as done when the LAST sequence of the batch reaches it (with chunked prefill the
 * batch's prompts finish in different engine steps, and the batch's first token is the last of them).
 *
 * @param startNanos   just before the generate() call
 * @param endNanos     just after it returned
 * @param stepEndNanos per step (newTokens entries), when its last token was chosen
 */
public record StepTiming(long startNanos, long endNanos, long[] stepEndNanos) {

    /** Runs {@code prompts} as one batch; {@code also} sees every token after its step time is taken. */
    public static StepTiming run(LlmEngine engine, List<int[]> prompts, int newTokens, TokenListener also) {
        long[] stepEnd = new long[newTokens];
        List<GenerationRequest> requests = requests(prompts, newTokens);
        long start = System.nanoTime();
        engine.generate(requests, (r, step, token, logits) -> {
            stepEnd[step] = System.nanoTime();
            also.onToken(r, step, token, logits);
        });
        return new StepTiming(start, System.nanoTime(), stepEnd);
    }

    /** Greedy, ignore-eos requests of {@code newTokens} tokens each. */
    public static List<GenerationRequest> requests(List<int[]> prompts, int newTokens) {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int[] p : prompts) reqs.add(new GenerationRequest(p, newTokens, true, SamplingParams.greedy()));
        return reqs;
    }

    /** The whole generate() call. */
    public double totalMs() {
        return (endNanos - startNanos) / 1e6;
    }

    /** From the call to the batch's step-0 tokens: the prefill of all its prompts. */
    public double firstTokenMs() {
        return (stepEndNanos[0] - startNanos) / 1e6;
    }

    /** From the first token to the last: the decode steps together. */
    public double decodeSeconds() {
        return (stepEndNanos[stepEndNanos.length - 1] - stepEndNanos[0]) / 1e9;
    }

    /** Time between consecutive steps after the first (newTokens - 1 entries), each one token per sequence. */
    public double[] decodeStepMs() {
        double[] ms = new double[stepEndNanos.length - 1];
        for (int i = 1; i < stepEndNanos.length; i++) ms[i - 1] = (stepEndNanos[i] - stepEndNanos[i - 1]) / 1e6;
        return ms;
    }
}
