package org.tramontane.modeltest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.tramontane.config.Progress;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.SamplingParams;
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
        engine.generate(requests(prompts, 2), (r, step, token, logits) -> { });

        long[] stepEnd = new long[pair.outputLen()];
        long t0 = System.nanoTime();
        // the last callback of a step comes after every sequence of the batch got its token
        engine.generate(requests(prompts, pair.outputLen()), (r, step, token, logits) -> stepEnd[step] = System.nanoTime());
        long t1 = System.nanoTime();
        double[] decode = new double[pair.outputLen() - 1];
        for (int s = 1; s < stepEnd.length; s++) decode[s - 1] = (stepEnd[s] - stepEnd[s - 1]) / 1e6;
        return new PerfCase(batchSize, pair, (t1 - t0) / 1e6, (stepEnd[0] - t0) / 1e6, decode, PeakMemory.peakRssBytes());
    }

    private static List<GenerationRequest> requests(List<int[]> prompts, int newTokens) {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int[] p : prompts) reqs.add(new GenerationRequest(p, newTokens, true, SamplingParams.greedy()));
        return reqs;
    }
}
