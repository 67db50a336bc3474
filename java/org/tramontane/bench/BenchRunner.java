package org.tramontane.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.tramontane.backend.Platform;
import org.tramontane.config.DType;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.config.Precision;
import org.tramontane.config.QuantScheme;
import org.tramontane.config.UserException;
import org.tramontane.engine.EngineException;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.kvcache.BlockTable;

/**
 * Runs the bench cases through the real engine (scheduler, paged KV cache, forward pass, greedy
 * sampling): per input length and batch size, batchSize prompts of inputLen tokens prefilled
 * together (in chunks of the step budget), then outputLen - 1 decode steps. Machine limits are
 * probed in the same process and pool before the first case and again after every case; the ratios
 * of every case use the best limits seen in the whole run (a shared machine's probes under-read
 * while other processes hold a core, which would inflate the ratios).
 */
public final class BenchRunner {
    /** Positions per KV block (the engine's default). */
    static final int BLOCK_SIZE = EngineOptions.DEFAULT_BLOCK_SIZE;

    /**
     * @param inputLens           one case per input length and batch size, lengths outermost
     * @param maxModelLen         positions a sequence may reach; 0 = the model's max_position_embeddings
     * @param prefixLen           leading prompt tokens the batch's sequences share (0: none), below every input length
     * @param enablePrefixCaching the engine keeps full KV blocks by their hash, so the shared prefix is prefilled once
     */
    public record Settings(List<Integer> batchSizes, List<Integer> inputLens, int outputLen, int warmup, int repeats,
            int maxNumBatchedTokens, int maxModelLen, KvCacheDtype kvCacheDtype, int prefixLen, boolean enablePrefixCaching) {
        public Settings {
            batchSizes = List.copyOf(batchSizes);
            inputLens = List.copyOf(inputLens);
        }

        /** KV blocks of the largest case, which the pool holds at once (every case reuses it). */
        int kvBlocks() {
            int most = 0;
            for (int b : batchSizes) {
                for (int in : inputLens) most = Math.max(most, b * BlockTable.blocksFor(in + outputLen, BLOCK_SIZE));
            }
            return most;
        }
    }

    /**
     * Everything one bench run measured; the KV pool holds the largest case's sequences at once.
     * kernelTuning: the platform's line on the kernel variants chosen for this machine, or null.
     */
    public record Report(MachineLimits machine, String isa, String kernelTuning, MixtralConfig config, DType dtype, long weightBytes,
            DType kvCacheDtype, long kvCacheBytes, PrefixSharing prefix, List<BenchCase> cases) {
    }

    /**
     * The shared-prefix workload as it ran: tokens shared, and whether the engine cached them (the flag, unless
     * the backend cannot prefill after a cached prefix: then {@code notice} says so and caching is off).
     */
    public record PrefixSharing(int prefixLen, boolean caching, String notice) {
    }

    private BenchRunner() {}

    public static Report run(ModelSource source, Settings s, Consumer<String> progress) {
        checkLengths(source, s);
        Platform platform = source.backend().platform();
        if (source.threads() > 0) platform.setThreads(source.threads());
        progress.accept("probing machine limits (" + platform.threads() + " threads)");
        MachineLimits machine = MachineLimits.measure(platform);
        PeakRss.reset(); // the probe's array is freed: count only what the model holds from here
        int numBlocks = s.kvBlocks();
        EngineOptions options = new EngineOptions(BLOCK_SIZE, numBlocks, Collections.max(s.batchSizes()), s.maxModelLen(),
                s.maxNumBatchedTokens()).withKvCache(s.kvCacheDtype(), 0).withPrefixCaching(s.enablePrefixCaching());
        progress.accept("loading " + source.path());
        try (LlmEngine engine = LlmEngine.open(source, options)) {
            engine.prefixCachingNotice().ifPresent(n -> progress.accept("note: " + n));
            PrefixSharing prefix = new PrefixSharing(s.prefixLen(), engine.prefixCaching(), engine.prefixCachingNotice().orElse(null));
            MixtralConfig cfg = engine.config();
            Precision precision = engine.precision();
            // quantized at load (--quantize), or as the checkpoint stores it
            QuantScheme quant = source.quantize() != null ? source.quantize() : cfg.quantize().orElse(null);
            long weightBytes = ModelCost.weightBytes(cfg, precision.weightDtype, quant);
            DType kvDtype = s.kvCacheDtype().resolve(precision);
            long kvBytes = ModelCost.kvCacheBytes(cfg, numBlocks, BLOCK_SIZE, kvDtype);
            List<CaseRun.Measured> measured = new ArrayList<>();
            AtomicInteger runs = new AtomicInteger();
            for (int in : s.inputLens()) {
                for (int b : s.batchSizes()) {
                    progress.accept("case input " + in + ", batch " + b + ": " + s.warmup() + " warm-up + " + s.repeats()
                            + " runs");
                    measured.add(CaseRun.measure(engine, platform, b, in, s, runs));
                    progress.accept("probing machine limits again");
                    machine = machine.best(MachineLimits.measure(platform));
                    PeakRss.reset();
                }
            }
            List<BenchCase> cases = new ArrayList<>();
            for (CaseRun.Measured mc : measured) {
                long caseKv = ModelCost.kvCacheBytes(cfg, mc.batch() * BlockTable.blocksFor(mc.inputLen() + s.outputLen(),
                        BLOCK_SIZE), BLOCK_SIZE, kvDtype);
                cases.add(mc.withRatios(cfg, precision.weightDtype, quant, machine, s.outputLen(), caseKv));
            }
            return new Report(machine, platform.activeIsa().map(i -> i.cliName).orElse("none"),
                    platform.kernelTuning().orElse(null), cfg, precision.weightDtype,
                    weightBytes, kvDtype, kvBytes, prefix, List.copyOf(cases));
        }
    }

    /**
     * Every case fits the context, checked before the probes and the load: a refusal is then one
     * line, and never comes after minutes of other cases. A config that does not read is left to
     * the engine, which names what is wrong with it.
     */
    private static void checkLengths(ModelSource source, Settings s) {
        int limit = s.maxModelLen();
        if (limit == 0) {
            boolean dummy = source.loadFormat() == ModelSource.LoadFormat.DUMMY;
            try {
                limit = (dummy ? MixtralConfigReader.readPreset(source.path()).config()
                        : MixtralConfigReader.read(source.path().resolve("config.json"))).maxPositionEmbeddings();
            } catch (UserException e) {
                return;
            }
        }
        int longest = Collections.max(s.inputLens()) + s.outputLen();
        if (longest > limit) {
            throw new EngineException("--input-len " + Collections.max(s.inputLens()) + " + --output-len " + s.outputLen()
                    + " needs " + longest + " positions, more than " + (s.maxModelLen() > 0 ? "--max-model-len "
                    : "the model's max_position_embeddings ") + limit);
        }
    }

    /**
     * A fixed pseudo-random prompt (BOS, then ids above the special tokens) of run {@code run}: its first
     * {@code prefixLen} tokens the same for every sequence of the run, the rest different per sequence. No two
     * runs share a token after BOS, so a run never finds an earlier run's blocks in the prefix cache.
     */
    static int[] prompt(MixtralConfig cfg, int run, int seq, int len, int prefixLen) {
        int[] ids = new int[len];
        ids[0] = cfg.bosTokenId();
        fill(cfg, ids, 1, Math.max(1, prefixLen), 0x9e3779b97f4a7c15L * (run + 1));
        fill(cfg, ids, Math.max(1, prefixLen), len, 0x9e3779b97f4a7c15L * (run + 1) ^ 0xc2b2ae3d27d4eb4fL * (seq + 1));
        return ids;
    }

    private static void fill(MixtralConfig cfg, int[] ids, int from, int to, long seed) {
        long z = seed;
        for (int i = from; i < to; i++) {
            z = z * 6364136223846793005L + 1442695040888963407L;
            ids[i] = 3 + (int) Long.remainderUnsigned(z >>> 16, cfg.vocabSize() - 3);
        }
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
