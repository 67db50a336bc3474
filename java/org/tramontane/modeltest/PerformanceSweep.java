package org.tramontane.modeltest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.tramontane.config.Progress;
import org.tramontane.bench.PeakRss;
import org.tramontane.bench.StepTiming;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.TokenListener;
import org.tramontane.kvcache.BlockTable;

/**
 * MindIE's performance mode: for each case pair, {@code batchSize} prompts of random ids run with
 * ignore-eos, so every sequence generates exactly {@code out} tokens. Each case first runs an untimed
 * 2-token copy (MindIE's benchmark warm-up), then the timed run.
 */
public final class PerformanceSweep {
    /** MindIE's modeltest calls torch.manual_seed(1); ours seeds the prompt ids the same way. */
    public static final long SEED = 1;

    private final LlmEngine engine;
    private final Random rng = new Random(SEED);

    public PerformanceSweep(LlmEngine engine) {
        this.engine = engine;
    }

    /** KV blocks for the largest batch of the largest case, all at once. */
    public static int kvBlocks(List<CasePair> pairs, List<Integer> batchSizes, int blockSize) {
        int maxLen = pairs.stream().mapToInt(p -> p.inputLen() + p.outputLen()).max().orElseThrow();
        return Collections.max(batchSizes) * BlockTable.blocksFor(maxLen, blockSize);
    }

    public List<PerfCase> run(int batchSize, List<CasePair> pairs, Progress progress) {
        List<PerfCase> out = new ArrayList<>();
        for (CasePair pair : pairs) {
            out.add(runCase(batchSize, pair));
            progress.advance(1);
        }
        return out;
    }

    PerfCase runCase(int batchSize, CasePair pair) {
        int vocab = engine.config().vocabSize();
        List<int[]> prompts = new ArrayList<>();
        for (int b = 0; b < batchSize; b++) {
            int[] ids = new int[pair.inputLen()];
            for (int i = 0; i < ids.length; i++) ids[i] = rng.nextInt(vocab);
            prompts.add(ids);
        }
        engine.generate(StepTiming.requests(prompts, 2), TokenListener.NONE);
        StepTiming t = StepTiming.run(engine, prompts, pair.outputLen(), TokenListener.NONE);
        return new PerfCase(batchSize, pair, t.totalMs(), t.firstTokenMs(), t.decodeStepMs(), PeakRss.bytes());
    }
}
