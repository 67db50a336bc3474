package org.tramontane.modeltest;

import java.util.Arrays;
import org.tramontane.bench.Percentiles;

/**
 * The measurements of one timed (batch size, [in,out]) run. Step times are wall clock around the
 * engine's forward pass and token choice, as MindIE's benchmark takes them.
 *
 * @param e2eMs        the whole generate() call
 * @param firstTokenMs from the call to the batch's step-0 tokens: the one prefill of all its prompts
 * @param decodeStepMs time between consecutive later steps (out - 1 entries); each step yields one token per sequence
 * @param peakRssBytes the process's peak resident memory (VmHWM) after the run, -1 where unknown
 */
public record PerfCase(int batchSize, CasePair pair, double e2eMs, double firstTokenMs, double[] decodeStepMs,
        long peakRssBytes) {

    /** MindIE's "Non-first token time(ms)": the mean decode step. */
    public double nonFirstTokenMs() {
        return Arrays.stream(decodeStepMs).average().orElse(Double.NaN);
    }

    /** MindIE's "Prefill average time(ms)": the prefill step shared out over the batch. */
    public double prefillAverageMs() {
        return firstTokenMs / batchSize;
    }

    /** MindIE: batch size / non-first-token seconds. */
    public double nonFirstTokenThroughput() {
        return batchSize / (nonFirstTokenMs() / 1000);
    }

    /** MindIE: batch size * out / E2E seconds. */
    public double e2eThroughput() {
        return batchSize * (double) pair.outputLen() / (e2eMs / 1000);
    }

    /** Percentile {@code p} (0..100) of the decode steps, linearly interpolated between ranks (numpy's default). */
    public double decodePercentileMs(double p) {
        return Percentiles.linear(decodeStepMs, p);
    }
}
