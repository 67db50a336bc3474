package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.backend.Backend;
import org.tramontane.backend.BackendKind;
import org.tramontane.backend.Isa;
import org.tramontane.backend.Platform;
import org.tramontane.config.DType;
import org.tramontane.config.Precision;
import org.tramontane.kvcache.BlockTable;
import org.tramontane.model.CausalLm;
import org.tramontane.model.MixtralLoader;
import org.tramontane.testing.Fixtures;

/**
 * Prefix caching and sliding-window freeing through the real forward pass on the cpu backend, greedy:
 * the same tokens as the run without, from logits equal to it to the bit (tiny-mixtral in fp32 and
 * tiny-mixtral-bf16 in bf16, at every ISA level this CPU has, and at world size 2), and the shared
 * prefix computed once. The kernels are batch-invariant (CpuBatchInvarianceTest): skipping a cached
 * prefix changes how many rows a step and each expert have, never a row's result.
 */
class PrefixCachingFixtureTest {
    private static final int BS = 16;
    private static final int NEW_TOKENS = 8;
    private static final Platform CPU = BackendKind.CPU.platform();

    /** Eight prompts of BOS and a 3-block prefix, then 1..15 tokens whose first differs per prompt. */
    private static List<GenerationRequest> sharedPrefix() {
        SplittableRandom rnd = new SplittableRandom(22);
        int[] prefix = new int[3 * BS];
        prefix[0] = 1;
        for (int i = 1; i < prefix.length; i++) prefix[i] = 3 + rnd.nextInt(31990);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int[] ids = Arrays.copyOf(prefix, prefix.length + 1 + 2 * i);
            ids[prefix.length] = 100 + i;
            for (int j = prefix.length + 1; j < ids.length; j++) ids[j] = 3 + rnd.nextInt(31990);
            reqs.add(new GenerationRequest(ids, NEW_TOKENS, true, SamplingParams.greedy()));
        }
        return reqs;
    }

    /** Per request, the logits each token was chosen from; the steps as {@link WatchedLm} saw them. */
    private record Run(List<GenerationResult> results, float[][][] logits, long numComputedTokens, long numPreemptions,
            List<int[][]> steps) {
    }

    private static Run run(Path dir, List<GenerationRequest> reqs, EngineOptions options, Function<CausalLm, WatchedLm> watch) {
        return run(dir, Precision.FP32, reqs, options, watch);
    }

    private static Run run(Path dir, Precision precision, List<GenerationRequest> reqs, EngineOptions options,
            Function<CausalLm, WatchedLm> watch) {
        try (Backend backend = BackendKind.CPU.create(precision);
                WatchedLm model = watch.apply(MixtralLoader.load(dir, backend))) {
            float[][][] logits = new float[reqs.size()][NEW_TOKENS][];
            Generator gen = new Generator(model, options, 2);
            List<GenerationResult> out = gen.generate(reqs, (r, step, token, l) -> logits[r][step] = l.clone());
            return new Run(out, logits, model.numComputedTokens, gen.numPreemptions(), model.steps);
        }
    }

    /** The same tokens, and logits equal to the bit. */
    private static void assertSame(Run expected, Run actual, String what) {
        for (int i = 0; i < expected.results().size(); i++) {
            assertArrayEquals(expected.results().get(i).outputIds(), actual.results().get(i).outputIds(), what + " prompt " + i);
            for (int s = 0; s < NEW_TOKENS; s++) {
                assertArrayEquals(expected.logits()[i][s], actual.logits()[i][s], what + " prompt " + i + " step " + s);
            }
        }
    }

    static Stream<Arguments> precisionsAndIsas() {
        List<Arguments> a = new ArrayList<>();
        for (Isa isa : CPU.supportedIsas()) {
            a.add(Arguments.of("tiny-mixtral", Precision.FP32, isa));
            a.add(Arguments.of("tiny-mixtral-bf16", Precision.BF16, isa));
        }
        return a.stream();
    }

    @AfterEach
    void restoreIsa() {
        List<Isa> isas = CPU.supportedIsas();
        CPU.forceIsa(isas.get(isas.size() - 1));
    }

    @ParameterizedTest(name = "{0} {1} isa {2}")
    @MethodSource("precisionsAndIsas")
    void eightPromptsSharingThreeBlocksPrefillThemOnceWithIdenticalLogits(String fixture, Precision precision, Isa isa) {
        CPU.forceIsa(isa);
        Path dir = Fixtures.dir(fixture);
        List<GenerationRequest> reqs = sharedPrefix();
        EngineOptions options = new EngineOptions(BS, 0, 8, 0);
        Run without = run(dir, precision, reqs, options, WatchedLm::of);
        Run with = run(dir, precision, reqs, options.withPrefixCaching(true), WatchedLm::of);
        assertSame(without, with, "prefix caching");
        assertEquals(7L * 3 * BS, without.numComputedTokens() - with.numComputedTokens(), "the prefix is prefilled once");
        for (int i = 0; i < reqs.size(); i++) assertEquals(i == 0 ? 0 : 3 * BS, with.results().get(i).numCachedTokens());
    }

    @Test
    void aSmallPoolEvictsAndPreemptsWithoutChangingALogit() {
        Path dir = Fixtures.dir("tiny-mixtral");
        List<GenerationRequest> reqs = sharedPrefix();
        int longest = 0;
        for (GenerationRequest r : reqs) longest = Math.max(longest, BlockTable.blocksFor(r.promptIds().length + NEW_TOKENS, BS));
        Run roomy = run(dir, reqs, new EngineOptions(BS, 0, 8, 0), WatchedLm::of);
        Run tight = run(dir, reqs, new EngineOptions(BS, longest + 2, 8, 0, 24).withPrefixCaching(true), WatchedLm::of);
        assertTrue(tight.numPreemptions() > 0, "the pool holds two sequences at most");
        assertSame(roomy, tight, "small pool");
    }

    @Test
    void atWorldSizeTwoPrefixCachingKeepsTheLogits() {
        List<GenerationRequest> reqs = sharedPrefix().subList(0, 4);
        float[][][] off = engineLogits(reqs, new EngineOptions(BS, 0, 8, 0), 2);
        float[][][] on = engineLogits(reqs, new EngineOptions(BS, 0, 8, 0).withPrefixCaching(true), 2);
        for (int i = 0; i < reqs.size(); i++) {
            for (int s = 0; s < NEW_TOKENS; s++) assertArrayEquals(off[i][s], on[i][s], "prompt " + i + " step " + s);
        }
    }

    private static float[][][] engineLogits(List<GenerationRequest> reqs, EngineOptions options, int worldSize) {
        ModelSource src = new ModelSource(Fixtures.dir("tiny-mixtral"), ModelSource.LoadFormat.AUTO, DType.F32, BackendKind.CPU, 0,
                worldSize);
        float[][][] logits = new float[reqs.size()][NEW_TOKENS][];
        try (LlmEngine engine = LlmEngine.open(src, options)) {
            List<GenerationResult> out = engine.generate(reqs, (r, step, token, l) -> logits[r][step] = l.clone());
            if (options.enablePrefixCaching()) assertEquals(3 * BS, out.get(1).numCachedTokens());
        }
        return logits;
    }

    /** ascend-sim prefills after a cached prefix (SelfAttention PREFIX_ENCODER): prefix caching stays on there. */
    @Test
    void ascendSimKeepsPrefixCachingOn() {
        List<GenerationRequest> reqs = sharedPrefix().subList(0, 2);
        ModelSource src = new ModelSource(Fixtures.dir("tiny-mixtral"), ModelSource.LoadFormat.AUTO, DType.F16,
                BackendKind.ASCEND_SIM, 0, 1);
        try (LlmEngine engine = LlmEngine.open(src, new EngineOptions(BS, 0, 8, 0).withPrefixCaching(true))) {
            assertTrue(engine.prefixCaching());
            assertTrue(engine.prefixCachingNotice().isEmpty(), engine.prefixCachingNotice().orElse(""));
            List<GenerationResult> out = engine.generate(reqs, TokenListener.NONE);
            assertEquals(3 * BS, out.get(1).numCachedTokens());
            for (GenerationResult r : out) assertEquals(NEW_TOKENS, r.outputIds().length);
        }
    }

    /**
     * tiny-mixtral-swa (window 16) over prompts of 90 and 120 positions in blocks of 4: freeing the blocks
     * behind the window gives the same logits as keeping them, and a sequence holds ceil(16 / 4) + 1 blocks
     * at most while it decodes (a prefill chunk of n tokens: the blocks of 16 + n - 1 positions, plus one).
     */
    @Test
    void aLongSlidingWindowRunHoldsOnlyTheWindowsBlocks() {
        Path dir = Fixtures.dir("tiny-mixtral-swa");
        int blockSize = 4, window = 16;
        SplittableRandom rnd = new SplittableRandom(3);
        int[] prompt = new int[120];
        prompt[0] = 1;
        for (int i = 1; i < prompt.length; i++) prompt[i] = 3 + rnd.nextInt(31990);
        List<GenerationRequest> reqs = List.of(new GenerationRequest(Arrays.copyOf(prompt, 90), NEW_TOKENS, true,
                SamplingParams.greedy()), new GenerationRequest(prompt, NEW_TOKENS, true, SamplingParams.greedy()));
        EngineOptions options = new EngineOptions(blockSize, 0, 8, 0, 10);
        Run freeing = run(dir, reqs, options, WatchedLm::of);
        Run keeping = run(dir, reqs, options, WatchedLm::keepingEveryBlock);
        assertSame(keeping, freeing, "sliding window");
        int maxDecodeHeld = 0, maxKept = 0;
        for (int[][] step : freeing.steps()) {
            for (int[] seq : step) {
                int n = seq[0];
                assertTrue(seq[1] <= BlockTable.blocksFor(window + n - 1, blockSize) + 1, n + " tokens hold " + seq[1]);
                if (n == 1) maxDecodeHeld = Math.max(maxDecodeHeld, seq[1]);
            }
        }
        for (int[][] step : keeping.steps()) {
            for (int[] seq : step) maxKept = Math.max(maxKept, seq[1]);
        }
        assertEquals(BlockTable.blocksFor(window, blockSize) + 1, maxDecodeHeld, "blocks held while decoding");
        assertEquals(BlockTable.blocksFor(120 + NEW_TOKENS - 1, blockSize), maxKept, "without freeing: the whole sequence");
    }
}
