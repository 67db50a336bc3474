package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tramontane.kvcache.BlockTable;
import org.tramontane.kvcache.PrefixCacheStats;
import org.tramontane.model.CausalLm;
import org.tramontane.model.ForwardBatch;

/**
 * Prefix caching and sliding-window freeing through {@link Generator} over {@link PagedRecallLm},
 * whose every token hashes all it reads back from its blocks: a shared block with the wrong
 * contents, an evicted block still used, or a freed block still read changes the tokens (or fails).
 */
class PrefixCachingTest {
    private static final int BS = 4;

    /** {@code n} ids 1..96 of the pseudo-random stream {@code seed}. */
    private static int[] ids(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = 1 + rnd.nextInt(PagedRecallLm.VOCAB_SIZE - 1);
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The tokens the model gives when every position it reads is its own. */
    private static int[] direct(GenerationRequest r, PagedRecallLm model) {
        int n = r.promptIds().length;
        int[] context = Arrays.copyOf(r.promptIds(), n + r.maxNewTokens());
        for (int len = n; len < n + r.maxNewTokens(); len++) {
            context[len] = PagedRecallLm.next(context, model.firstRead(len - 1), len);
        }
        return Arrays.copyOfRange(context, n, n + r.maxNewTokens());
    }

    /** Eight prompts: a 3-block prefix, then suffixes of 1..8 tokens that differ from their first token. */
    private static List<GenerationRequest> sharedPrefix() {
        int[] prefix = ids(3 * BS, 1);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int[] suffix = ids(1 + i, 100 + i);
            suffix[0] = 1 + i; // distinct first tokens: no block past the prefix is shared
            reqs.add(new GenerationRequest(concat(prefix, suffix), 6, true, SamplingParams.greedy()));
        }
        return reqs;
    }

    @Test
    void eightPromptsSharingAPrefixComputeItOnce() {
        List<GenerationRequest> reqs = sharedPrefix();
        int promptTokens = reqs.stream().mapToInt(r -> r.promptIds().length).sum();
        WatchedLm plain = WatchedLm.of(new PagedRecallLm());
        List<GenerationResult> without = new Generator(plain, new EngineOptions(BS, 0, 8, 0), -1).generate(reqs, TokenListener.NONE);
        WatchedLm shared = WatchedLm.of(new PagedRecallLm());
        Generator gen = new Generator(shared, new EngineOptions(BS, 0, 8, 0).withPrefixCaching(true), -1);
        List<GenerationResult> with = gen.generate(reqs, TokenListener.NONE);
        for (int i = 0; i < reqs.size(); i++) {
            assertArrayEquals(without.get(i).outputIds(), with.get(i).outputIds(), "prompt " + i);
            assertArrayEquals(direct(reqs.get(i), new PagedRecallLm()), with.get(i).outputIds(), "prompt " + i);
            assertEquals(i == 0 ? 0 : 3 * BS, with.get(i).numCachedTokens(), "prompt " + i);
            assertEquals(0, without.get(i).numCachedTokens());
        }
        assertEquals(7L * 3 * BS, plain.numComputedTokens - shared.numComputedTokens, "the prefix is computed once, not 8 times");
        assertEquals(plain.steps.size(), shared.steps.size(), "all eight still start in the first step");
        assertEquals(new PrefixCacheStats(promptTokens, 7L * 3 * BS), gen.prefixCacheStats());
    }

    @Test
    void aLaterCallStartsFromWhatAnEarlierOneLeftCached() {
        Generator gen = new Generator(new PagedRecallLm(), new EngineOptions(BS, 16, 8, 0).withPrefixCaching(true), -1);
        int[] turn1 = ids(10, 7);
        GenerationResult first = gen.generate(List.of(new GenerationRequest(turn1, 7, true, SamplingParams.greedy())),
                TokenListener.NONE).get(0);
        assertEquals(0, first.numCachedTokens());
        // the next turn: the whole first exchange, then new tokens
        int[] turn2 = concat(concat(turn1, first.outputIds()), ids(5, 8));
        GenerationRequest next = new GenerationRequest(turn2, 4, true, SamplingParams.greedy());
        GenerationResult second = gen.generate(List.of(next), TokenListener.NONE).get(0);
        assertEquals(16, second.numCachedTokens(), "the first call computed 16 positions: 4 full blocks");
        assertArrayEquals(direct(next, new PagedRecallLm()), second.outputIds());
    }

    /**
     * Random prompts drawn from a few shared prefixes, on pools from roomy to barely enough, with small
     * step budgets: eviction and preemption under prefix caching (and a sliding window) give the tokens
     * each prompt gives alone, and every block is back in the pool at the end.
     */
    @Test
    void evictionAndPreemptionNeverChangeATokenUnderRandomWorkloads() {
        SplittableRandom rnd = new SplittableRandom(22);
        long hits = 0;
        for (int trial = 0; trial < 30; trial++) {
            int window = trial % 3 == 0 ? 3 + rnd.nextInt(9) : 0;
            int[][] prefixes = {ids(2 + rnd.nextInt(14), trial), ids(2 + rnd.nextInt(14), trial + 50)};
            List<GenerationRequest> reqs = new ArrayList<>();
            int maxBlocks = 0;
            for (int i = 0; i < 10; i++) {
                int[] prompt = concat(prefixes[rnd.nextInt(2)], ids(1 + rnd.nextInt(9), 1000L * trial + i));
                GenerationRequest r = new GenerationRequest(prompt, 1 + rnd.nextInt(12), true, SamplingParams.greedy());
                reqs.add(r);
                maxBlocks = Math.max(maxBlocks, BlockTable.blocksFor(prompt.length + r.maxNewTokens(), BS));
            }
            int numBlocks = maxBlocks + rnd.nextInt(2 * maxBlocks);
            PagedRecallLm model = window > 0 ? PagedRecallLm.windowed(window) : new PagedRecallLm();
            EngineOptions opts = new EngineOptions(BS, numBlocks, 1 + rnd.nextInt(8), 0, 1 + rnd.nextInt(20)).withPrefixCaching(true);
            Generator gen = new Generator(model, opts, -1);
            List<GenerationResult> out = gen.generate(reqs, TokenListener.NONE);
            for (int i = 0; i < reqs.size(); i++) {
                assertArrayEquals(direct(reqs.get(i), model), out.get(i).outputIds(), "trial " + trial + " prompt " + i);
            }
            hits += gen.prefixCacheStats().hits();
            // the pool is whole again: a request needing every block runs
            GenerationRequest all = new GenerationRequest(ids(numBlocks * BS - 1, 5), 1, true, SamplingParams.greedy());
            assertArrayEquals(direct(all, model), gen.generate(List.of(all), TokenListener.NONE).get(0).outputIds());
        }
        assertTrue(hits > 0, "the workloads do hit the cache");
    }

    @Test
    void aFailedStepLeavesNothingCachedThatWasNeverWritten() {
        PagedRecallLm recall = new PagedRecallLm();
        int[] stepsLeft = {1};
        CausalLm failing = new CausalLm() {
            @Override
            public int vocabSize() {
                return recall.vocabSize();
            }

            @Override
            public void allocateKvCache(int numBlocks, int blockSize) {
                recall.allocateKvCache(numBlocks, blockSize);
            }

            @Override
            public float[][] forward(ForwardBatch b) {
                if (stepsLeft[0]-- == 0) throw new IllegalStateException("step failed");
                return recall.forward(b);
            }

            @Override
            public void close() {
            }
        };
        Generator gen = new Generator(failing, new EngineOptions(BS, 32, 8, 0, 8).withPrefixCaching(true), -1);
        GenerationRequest r = new GenerationRequest(ids(20, 3), 2, true, SamplingParams.greedy());
        assertThrows(IllegalStateException.class, () -> gen.generate(List.of(r), TokenListener.NONE));
        // the second chunk's blocks were registered when it was scheduled, and that step never ran
        GenerationResult again = gen.generate(List.of(r), TokenListener.NONE).get(0);
        assertEquals(0, again.numCachedTokens());
        assertArrayEquals(direct(r, recall), again.outputIds());
    }

    @Test
    void aSlidingWindowKeepsOnlyTheWindowsBlocks() {
        int window = 10;
        GenerationRequest r = new GenerationRequest(ids(30, 9), 40, true, SamplingParams.greedy());
        WatchedLm freeing = WatchedLm.of(PagedRecallLm.windowed(window));
        WatchedLm keeping = WatchedLm.keepingEveryBlock(PagedRecallLm.windowed(window));
        EngineOptions opts = new EngineOptions(BS, 0, 8, 0, 6);
        int[] freed = new Generator(freeing, opts, -1).generate(List.of(r), TokenListener.NONE).get(0).outputIds();
        int[] kept = new Generator(keeping, opts, -1).generate(List.of(r), TokenListener.NONE).get(0).outputIds();
        assertArrayEquals(kept, freed);
        assertArrayEquals(direct(r, PagedRecallLm.windowed(window)), freed);
        int maxDecodeHeld = 0, maxKept = 0;
        for (int[][] step : freeing.steps) {
            int n = step[0][0];
            assertTrue(step[0][1] <= BlockTable.blocksFor(window + n - 1, BS) + 1, "a step of " + n + " holds " + step[0][1]);
            if (n == 1) maxDecodeHeld = Math.max(maxDecodeHeld, step[0][1]);
        }
        for (int[][] step : keeping.steps) maxKept = Math.max(maxKept, step[0][1]);
        assertEquals(BlockTable.blocksFor(window, BS) + 1, maxDecodeHeld, "ceil(window / block) + 1 while decoding");
        assertEquals(BlockTable.blocksFor(70, BS), maxKept, "without freeing, the whole sequence");
    }
}
