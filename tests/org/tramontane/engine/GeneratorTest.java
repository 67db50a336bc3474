package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.tramontane.kvcache.BlockPool;
import org.tramontane.model.ForwardBatch;

/**
 * How a step becomes a flat batch, and the generate loop over {@link PagedRecallLm}, whose tokens
 * depend on every cached position it reads back: plenty of blocks, a pool that forces preemption,
 * and chunked prefill all give the tokens computed directly from the prompts.
 */
class GeneratorTest {

    @Test
    void aStepBecomesAFlatBatch() {
        BlockPool pool = new BlockPool(16);
        pool.allocate(16).orElseThrow();
        pool.release(new int[] {11, 3, 14, 0, 8}); // the free list in this order: tables out of order
        Sequence a = seq(0, 6), b = seq(1, 10), c = seq(2, 3);
        // a: prompt computed, one sampled token to decode at position 6; b: its second chunk, 4..7
        assertTrue(a.blockTable.ensureCapacity(7, pool));
        a.numComputed = 6;
        a.append(50);
        assertTrue(b.blockTable.ensureCapacity(8, pool));
        b.numComputed = 4;
        assertTrue(c.blockTable.ensureCapacity(3, pool));
        SchedulerOutput out = new SchedulerOutput(List.of(
                new ScheduledSeq(a, 6, 1), new ScheduledSeq(b, 4, 4), new ScheduledSeq(c, 0, 3)));

        ForwardBatch batch = Generator.batchOf(out);

        assertArrayEquals(new int[] {50, 114, 115, 116, 117, 210, 211, 212}, batch.tokenIds());
        assertArrayEquals(new int[] {6, 4, 5, 6, 7, 0, 1, 2}, batch.positions());
        assertArrayEquals(new int[] {0, 1, 1, 1, 1, 2, 2, 2}, batch.seqIdx());
        assertArrayEquals(new int[][] {{11, 3}, {14, 0}, {8}}, batch.blockTables());
        // a: block 3, offset 2; b: block 0, offsets 0..3; c: block 8, offsets 0..2 (block size 4)
        assertArrayEquals(new int[] {14, 0, 1, 2, 3, 32, 33, 34}, batch.slotMapping());
        assertArrayEquals(new int[] {0, 7}, batch.logitsIdx(), "b's chunk stops short of its prompt's end");
        // the attention metadata the batch implies: each sequence's tokens contiguous, in step order
        assertArrayEquals(new int[] {0, 1, 5, 8}, queryStartLoc(batch));
        assertArrayEquals(new int[] {1, 4, 3}, seqLens(batch));
        assertArrayEquals(new int[] {7, 8, 3}, contextLens(batch));
    }

    @Test
    void plentyOfBlocksGivesTheDirectTokens() {
        List<GenerationRequest> reqs = requests();
        Generator gen = new Generator(new PagedRecallLm(), new EngineOptions(4, 0, 8, 0), -1);
        assertOutputs(reqs, gen.generate(reqs, TokenListener.NONE), -1);
        assertEquals(0, gen.numPreemptions());
    }

    @Test
    void aTinyPoolPreemptsAndRecomputesToTheSameTokens() {
        List<GenerationRequest> reqs = requests();
        // the longest request needs 11 blocks of 2 on its own; all together need 50
        Generator gen = new Generator(new PagedRecallLm(), new EngineOptions(2, 12, 8, 0), -1);
        assertOutputs(reqs, gen.generate(reqs, TokenListener.NONE), -1);
        assertTrue(gen.numPreemptions() > 0, "the pool is too small for every sequence at once");
    }

    @Test
    void chunkedPrefillUnderPreemptionKeepsTheTokensAndTheBudget() {
        List<GenerationRequest> reqs = requests();
        PagedRecallLm model = new PagedRecallLm();
        Generator gen = new Generator(model, new EngineOptions(2, 12, 8, 0, 5), -1);
        assertOutputs(reqs, gen.generate(reqs, TokenListener.NONE), -1);
        assertTrue(gen.numPreemptions() > 0);
        for (ForwardBatch b : model.batches) assertTrue(b.numTokens() <= 5, "a step over the budget");
    }

    @Test
    void stopsAtEosUnlessToldToIgnoreIt() {
        List<GenerationRequest> reqs = requests();
        int eos = direct(reqs.get(2), -1)[3];
        List<GenerationRequest> stopping = new ArrayList<>();
        for (GenerationRequest r : reqs) {
            stopping.add(new GenerationRequest(r.promptIds(), r.maxNewTokens(), false, SamplingParams.greedy()));
        }
        stopping.add(reqs.get(2)); // the same prompt, ignoring EOS
        Generator gen = new Generator(new PagedRecallLm(), new EngineOptions(4, 0, 8, 0), eos);
        List<GenerationResult> out = gen.generate(stopping, TokenListener.NONE);
        assertOutputs(stopping, out, eos);
        int[] stopped = out.get(2).outputIds();
        assertTrue(stopped.length <= 4);
        assertEquals(eos, stopped[stopped.length - 1]);
        assertEquals(FinishReason.EOS, out.get(2).finishReason());
        assertEquals(10, out.get(5).outputIds().length);
        assertEquals(FinishReason.LENGTH, out.get(5).finishReason());
    }

    @Test
    void theListenerSeesEveryTokenInStepOrder() {
        List<GenerationRequest> reqs = requests();
        List<List<Integer>> seen = new ArrayList<>();
        for (int i = 0; i < reqs.size(); i++) seen.add(new ArrayList<>());
        Generator gen = new Generator(new PagedRecallLm(), new EngineOptions(2, 12, 8, 0, 5), -1);
        List<GenerationResult> out = gen.generate(reqs, (r, step, token, logits) -> {
            assertEquals(seen.get(r).size(), step, "request " + r + " step");
            assertEquals(1f, logits[token]);
            seen.get(r).add(token);
        });
        for (int i = 0; i < reqs.size(); i++) {
            assertArrayEquals(out.get(i).outputIds(), seen.get(i).stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void refusesRequestsThatCanNeverRun() {
        Generator small = new Generator(new PagedRecallLm(), new EngineOptions(4, 2, 8, 100), -1);
        GenerationRequest tooLong = new GenerationRequest(new int[9], 1, true, SamplingParams.greedy());
        assertThrows(EngineException.class, () -> small.generate(List.of(tooLong), TokenListener.NONE),
                "10 positions need 3 blocks of 4, the pool has 2");
        GenerationRequest badId = new GenerationRequest(new int[] {PagedRecallLm.VOCAB_SIZE}, 1, true,
                SamplingParams.greedy());
        assertThrows(EngineException.class, () -> small.generate(List.of(badId), TokenListener.NONE));
        GenerationRequest pastContext = new GenerationRequest(new int[5], 96, true, SamplingParams.greedy());
        Generator roomy = new Generator(new PagedRecallLm(), new EngineOptions(4, 0, 8, 100), -1);
        assertThrows(EngineException.class, () -> roomy.generate(List.of(pastContext), TokenListener.NONE));
    }

    /** Five prompts of 3 to 12 tokens, ten new tokens each. */
    private static List<GenerationRequest> requests() {
        List<GenerationRequest> reqs = new ArrayList<>();
        int[] lens = {7, 12, 3, 9, 5};
        for (int i = 0; i < lens.length; i++) {
            int base = 5 * i;
            int[] prompt = IntStream.range(0, lens[i]).map(p -> (base + 3 * p) % PagedRecallLm.VOCAB_SIZE).toArray();
            reqs.add(new GenerationRequest(prompt, 10, true, SamplingParams.greedy()));
        }
        return reqs;
    }

    /** The request's tokens computed straight from its prompt, without cache or scheduler. */
    private static int[] direct(GenerationRequest r, int eos) {
        int n = r.promptIds().length;
        int[] context = Arrays.copyOf(r.promptIds(), n + r.maxNewTokens());
        int len = n;
        while (len < n + r.maxNewTokens()) {
            int token = PagedRecallLm.next(context, len);
            context[len++] = token;
            if (token == eos && !r.ignoreEos()) break;
        }
        return Arrays.copyOfRange(context, n, len);
    }

    private static void assertOutputs(List<GenerationRequest> reqs, List<GenerationResult> out, int eos) {
        assertEquals(reqs.size(), out.size());
        for (int i = 0; i < reqs.size(); i++) {
            assertArrayEquals(direct(reqs.get(i), eos), out.get(i).outputIds(), "request " + i);
        }
    }

    private static Sequence seq(int idx, int promptLen) {
        int[] prompt = IntStream.range(0, promptLen).map(i -> 100 * idx + 10 + i).toArray();
        return new Sequence(idx, new GenerationRequest(prompt, 4, true, SamplingParams.greedy()), 4);
    }

    private static int[] queryStartLoc(ForwardBatch b) {
        int[] loc = new int[b.numSeqs() + 1];
        for (int t = 0; t < b.numTokens(); t++) {
            if (t > 0) assertTrue(b.seqIdx()[t] >= b.seqIdx()[t - 1], "tokens of a sequence are contiguous");
            loc[b.seqIdx()[t] + 1] = t + 1;
        }
        return loc;
    }

    private static int[] seqLens(ForwardBatch b) {
        int[] lens = new int[b.numSeqs()];
        for (int s : b.seqIdx()) lens[s]++;
        return lens;
    }

    private static int[] contextLens(ForwardBatch b) {
        int[] lens = new int[b.numSeqs()];
        for (int t = 0; t < b.numTokens(); t++) lens[b.seqIdx()[t]] = b.positions()[t] + 1;
        return lens;
    }
}
