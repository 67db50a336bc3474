package org.tramontane.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import org.tramontane.backend.Platform;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.QuantScheme;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.TokenListener;

/**
 * One bench case: its warm-up and timed runs, each one generate() of batch prompts, with the
 * kernels' own counters (weight bytes, attention nanoseconds) read at the start, at the batch's
 * first token and at its last.
 */
final class CaseRun {
    private CaseRun() {}

    /** Counter readings at the start, after the prefill (step 0) and after the last step. */
    private record Counters(long[] bytes, long[] attentionNanos) {
        Counters() {
            this(new long[3], new long[3]);
        }

        void read(Platform platform, int at) {
            bytes[at] = platform.weightBytesRead().orElse(-1);
            attentionNanos[at] = platform.attentionNanos().orElse(-1);
        }
    }

    /** One generate() of the case; cachedTokens: its prompt tokens found in the prefix cache. */
    private record Sample(StepTiming timing, Counters counters, long cachedTokens) {
        double firstTokenMs() {
            return timing.firstTokenMs();
        }

        double decodeSeconds() {
            return timing.decodeSeconds();
        }

        long decodeBytes() {
            return counters.bytes()[2] - counters.bytes()[1];
        }

        /** Attention time over wall time of [from, to) per rank; NaN where nothing counts it. */
        double attentionShare(int from, int to, double seconds, int ranks) {
            long[] a = counters.attentionNanos();
            if (a[from] < 0 || seconds <= 0) return Double.NaN;
            return (a[to] - a[from]) / 1e9 / seconds / ranks;
        }
    }

    /** Medians of one case, before the ratios (which need the run's final limits). */
    record Measured(int batch, int inputLen, double prefill, long cachedTokens, double stepsPerS, double firstMs, double p50,
            double p90, long peakRss, long bytesPerStep, Double prefillAttentionShare, Double decodeAttentionShare) {

        BenchCase withRatios(MixtralConfig cfg, DType dtype, QuantScheme quant, MachineLimits m, int outputLen,
                long kvCacheBytes) {
            double bandwidth = m.readBandwidthGbs() * 1e9;
            Double roofline = bandwidth > 0 ? bytesPerStep * stepsPerS / bandwidth : null;
            MachineLimits.PeakKind kind = MachineLimits.prefillPeakKind(m, dtype, quant);
            Double peak = m.peakGops(kind);
            // the peak ratio counts the prompt tokens computed, not those found cached
            double computed = prefill * (1 - cachedTokens / ((double) batch * inputLen));
            Double prefillRatio = peak != null ? ModelCost.prefillFlopsPerToken(cfg, inputLen) * computed / (peak * 1e9) : null;
            return new BenchCase(dtype.cliName, quant == null ? null : quant.configName, batch, inputLen, outputLen, prefill,
                    cachedTokens, stepsPerS * batch, stepsPerS, firstMs, p50, p90, peakRss, kvCacheBytes, bytesPerStep, roofline, kind,
                    prefillRatio, prefillAttentionShare, decodeAttentionShare);
        }
    }

    /** runs: the bench's runs so far, counted on, so that each run's prompts are its own (BenchRunner.prompt). */
    static Measured measure(LlmEngine engine, Platform platform, int batch, int inputLen, BenchRunner.Settings s,
            AtomicInteger runs) {
        for (int i = 0; i < s.warmup(); i++) runOnce(engine, platform, batch, inputLen, s, runs.getAndIncrement());
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < s.repeats(); i++) samples.add(runOnce(engine, platform, batch, inputLen, s, runs.getAndIncrement()));
        int decodeSteps = s.outputLen() - 1;
        int ranks = engine.worldSize();
        double firstMs = median(samples, Sample::firstTokenMs);
        double prefill = median(samples, x -> batch * (double) inputLen / (x.firstTokenMs() / 1e3));
        long cachedTokens = (long) median(samples, Sample::cachedTokens);
        double stepsPerS = median(samples, x -> decodeSteps / x.decodeSeconds());
        long bytesPerStep = (long) median(samples, x -> x.decodeBytes() / (double) decodeSteps);
        Double prefillShare = orNull(median(samples, x -> x.attentionShare(0, 1, x.firstTokenMs() / 1e3, ranks)));
        Double decodeShare = orNull(median(samples, x -> x.attentionShare(1, 2, x.decodeSeconds(), ranks)));
        double[] allSteps = samples.stream().flatMapToDouble(x -> Arrays.stream(x.timing().decodeStepMs())).sorted().toArray();
        return new Measured(batch, inputLen, prefill, cachedTokens, stepsPerS, firstMs, BenchRunner.percentile(allSteps, 0.5),
                BenchRunner.percentile(allSteps, 0.9), PeakRss.bytes(), bytesPerStep, prefillShare, decodeShare);
    }

    private static Sample runOnce(LlmEngine engine, Platform platform, int batch, int inputLen, BenchRunner.Settings s,
            int run) {
        MixtralConfig cfg = engine.config();
        int outputLen = s.outputLen();
        List<int[]> prompts = new ArrayList<>();
        for (int b = 0; b < batch; b++) prompts.add(BenchRunner.prompt(cfg, run, b, inputLen, s.prefixLen()));
        Counters c = new Counters();
        // with several sequences the last one to reach a step overwrites the reading, as StepTiming times it
        TokenListener counters = (r, step, token, logits) -> {
            if (step == 0) c.read(platform, 1);
            if (step == outputLen - 1) c.read(platform, 2);
        };
        c.read(platform, 0);
        long hits = engine.prefixCaching() ? engine.prefixCacheStats().hits() : 0;
        StepTiming timing = StepTiming.run(engine, prompts, outputLen, counters);
        return new Sample(timing, c, engine.prefixCaching() ? engine.prefixCacheStats().hits() - hits : 0);
    }

    private static double median(List<Sample> samples, ToDoubleFunction<Sample> f) {
        return BenchRunner.median(samples.stream().mapToDouble(f).toArray());
    }

    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
