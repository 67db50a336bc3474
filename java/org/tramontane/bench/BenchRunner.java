package org.tramontane.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.tramontane.config.DType;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.config.Precision;
import org.tramontane.backend.Platform;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.engine.TokenListener;
import org.tramontane.kvcache.BlockTable;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.QuantScheme;

/**
 * Runs the bench cases through the real engine (scheduler, paged KV cache, forward pass, greedy
 * sampling): per batch size, batchSize prompts of inputLen tokens prefilled together, then
 * outputLen - 1 decode steps. Machine limits are probed in the same process and pool before the
 * first case and again after every case; the ratios of every case use the best limits seen in the
 * whole run (a shared machine's probes under-read while other processes hold a core, which would
 * inflate the ratios).
 */
public final class BenchRunner {
    /** Positions per KV block (the engine's default). */
    static final int BLOCK_SIZE = EngineOptions.DEFAULT_BLOCK_SIZE;

    public record Settings(List<Integer> batchSizes, int inputLen, int outputLen, int warmup, int repeats,
            int maxNumBatchedTokens, KvCacheDtype kvCacheDtype) {
        public Settings {
            batchSizes = List.copyOf(batchSizes);
        }
    }

    /** Everything one bench run measured; the KV pool holds every case's sequences at once. */
    /** kernelTuning: the platform's line on the kernel variants chosen for this machine, or null. */
    public record Report(MachineLimits machine, String isa, String kernelTuning, MixtralConfig config, DType dtype,
            long weightBytes, DType kvCacheDtype, long kvCacheBytes, List<BenchCase> cases) {
    }

    private BenchRunner() {}

    public static Report run(ModelSource source, Settings s, Consumer<String> progress) {
        Platform platform = source.backend().platform();
        if (source.threads() > 0) platform.setThreads(source.threads());
        progress.accept("probing machine limits (" + platform.threads() + " threads)");
        MachineLimits machine = MachineLimits.measure(platform);
        PeakRss.reset(); // the probe's array is freed: count only what the model holds from here
        int maxBatch = Collections.max(s.batchSizes());
        int numBlocks = maxBatch * BlockTable.blocksFor(s.inputLen() + s.outputLen(), BLOCK_SIZE);
        EngineOptions options = new EngineOptions(BLOCK_SIZE, numBlocks, maxBatch, 0, s.maxNumBatchedTokens())
                .withKvCache(s.kvCacheDtype(), 0);
        progress.accept("loading " + source.path());
        try (LlmEngine engine = LlmEngine.open(source, options)) {
            MixtralConfig cfg = engine.config();
            Precision precision = engine.precision();
            // quantized at load (--quantize), or as the checkpoint stores it
            QuantScheme quant = source.quantize() != null ? source.quantize() : cfg.quantize().orElse(null);
            long weightBytes = ModelCost.weightBytes(cfg, precision.weightDtype, quant);
            DType kvDtype = s.kvCacheDtype().resolve(precision);
            long kvBytes = ModelCost.kvCacheBytes(cfg, numBlocks, BLOCK_SIZE, kvDtype);
            List<Measured> measured = new ArrayList<>();
            for (int b : s.batchSizes()) {
                progress.accept("case batch " + b + ": " + s.warmup() + " warm-up + " + s.repeats() + " runs");
                measured.add(runCase(engine, platform, b, s));
                progress.accept("probing machine limits again");
                machine = machine.best(MachineLimits.measure(platform));
                PeakRss.reset();
            }
            List<BenchCase> cases = new ArrayList<>();
            for (Measured mc : measured) cases.add(mc.withRatios(cfg, precision.weightDtype, quant, machine, s));
            return new Report(machine, platform.activeIsa().map(i -> i.cliName).orElse("none"),
                    platform.kernelTuning().orElse(null), cfg, precision.weightDtype,
                    weightBytes, kvDtype, kvBytes, List.copyOf(cases));
        }
    }

    /** One generate() of the case: times of each step's first token and the weight-byte counter. */
    private record Sample(double firstTokenMs, double decodeSeconds, long decodeBytes, double[] stepMs) {
    }

    /** Medians of one case, before the ratios (which need the run's final limits). */
    private record Measured(int batch, double prefill, double stepsPerS, double firstMs, double p50, double p90,
            long peakRss, long bytesPerStep) {

        BenchCase withRatios(MixtralConfig cfg, DType dtype, QuantScheme quant, MachineLimits m, Settings s) {
            double bandwidth = m.readBandwidthGbs() * 1e9;
            Double roofline = bandwidth > 0 ? bytesPerStep * stepsPerS / bandwidth : null;
            // the peak of the instruction bf16 prefill runs on: AMX tiles where that level is active
            Double bf16Peak = m.amxBf16PeakGflops() != null ? m.amxBf16PeakGflops() : m.bf16PeakGflops();
            Double peak = dtype == DType.BF16 && bf16Peak != null ? bf16Peak : m.fp32PeakGflops();
            Double prefillRatio = peak != null && peak > 0
                    ? ModelCost.prefillFlopsPerToken(cfg, s.inputLen()) * prefill / (peak * 1e9) : null;
            return new BenchCase(dtype.cliName, quant == null ? null : quant.configName, batch, s.inputLen(), s.outputLen(), prefill, stepsPerS * batch,
                    stepsPerS, firstMs, p50, p90, peakRss, bytesPerStep, roofline, prefillRatio);
        }
    }

    private static Measured runCase(LlmEngine engine, Platform platform, int batch, Settings s) {
        MixtralConfig cfg = engine.config();
        for (int i = 0; i < s.warmup(); i++) runOnce(engine, platform, cfg, batch, s);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < s.repeats(); i++) samples.add(runOnce(engine, platform, cfg, batch, s));
        int decodeSteps = s.outputLen() - 1;
        double firstMs = median(samples.stream().mapToDouble(Sample::firstTokenMs).toArray());
        double prefill = median(samples.stream().mapToDouble(x -> batch * (double) s.inputLen() / (x.firstTokenMs() / 1e3))
                .toArray());
        double stepsPerS = median(samples.stream().mapToDouble(x -> decodeSteps / x.decodeSeconds()).toArray());
        long bytesPerStep = (long) median(samples.stream().mapToDouble(x -> x.decodeBytes() / (double) decodeSteps)
                .toArray());
        double[] allSteps = samples.stream().flatMapToDouble(x -> Arrays.stream(x.stepMs())).sorted().toArray();
        return new Measured(batch, prefill, stepsPerS, firstMs, percentile(allSteps, 0.5), percentile(allSteps, 0.9),
                PeakRss.bytes(), bytesPerStep);
    }

    private static Sample runOnce(LlmEngine engine, Platform platform, MixtralConfig cfg, int batch, Settings s) {
        List<int[]> prompts = new ArrayList<>();
        for (int b = 0; b < batch; b++) prompts.add(prompt(cfg, b, s.inputLen()));
        long[] bytes = new long[2];
        TokenListener counters = (r, step, token, logits) -> {
            if (step == 0) bytes[0] = platform.weightBytesRead().orElse(0);
            if (step == s.outputLen() - 1) bytes[1] = platform.weightBytesRead().orElse(0);
        };
        StepTiming t = StepTiming.run(engine, prompts, s.outputLen(), counters);
        return new Sample(t.firstTokenMs(), t.decodeSeconds(), bytes[1] - bytes[0], t.decodeStepMs());
    }

    /** A fixed pseudo-random prompt (BOS, then ids above the special tokens), different per sequence. */
    static int[] prompt(MixtralConfig cfg, int seq, int len) {
        int[] ids = new int[len];
        long z = 0x9e3779b97f4a7c15L * (seq + 1);
        ids[0] = cfg.bosTokenId();
        for (int i = 1; i < len; i++) {
            z = z * 6364136223846793005L + 1442695040888963407L;
            ids[i] = 3 + (int) Long.remainderUnsigned(z >>> 16, cfg.vocabSize() - 3);
        }
        return ids;
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }
}
