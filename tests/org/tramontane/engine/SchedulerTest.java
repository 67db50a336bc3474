package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.tramontane.kvcache.BlockPool;
import org.tramontane.kvcache.BlockTable;

/**
 * The scheduler without a model: each test steps it the way {@link Generator} does (a token for
 * every sequence a step completes, then {@code update}) and reads each step as
 * {@code "requestIdx@start+numTokens"} entries in batch order.
 */
class SchedulerTest {
    private static final int UNLIMITED = 1 << 20;

    @Test
    void everyStepStaysWithinTheTokenBudget() {
        Scheduler s = new Scheduler(new BlockPool(100), 8, 8);
        add(s, seq(0, 5, 3, 4), seq(1, 5, 3, 4), seq(2, 5, 3, 4));
        assertEquals("0@0+5 1@0+3", step(s), "the budget cuts 1's prompt and leaves 2 waiting");
        assertEquals("0@5+1 1@3+2 2@0+5", step(s));
        assertEquals("0@6+1 1@5+1 2@5+1", step(s));
        assertEquals("1@6+1 2@6+1", step(s), "0 has its three tokens");
        assertFalse(s.hasWork());
        assertTrue(s.schedule().isEmpty());
    }

    @Test
    void aLongPromptRunsInChunksAndSamplesOnlyAtItsEnd() {
        Scheduler s = new Scheduler(new BlockPool(100), 8, 8);
        Sequence a = seq(0, 20, 2, 4);
        add(s, a);
        assertEquals("0@0+8", step(s));
        assertEquals(0, a.numOutput());
        assertEquals("0@8+8", step(s));
        assertEquals(0, a.numOutput());
        assertEquals("0@16+4", step(s));
        assertEquals(1, a.numOutput(), "the chunk that reaches the prompt's end yields the first token");
        assertEquals("0@20+1", step(s));
        assertFalse(s.hasWork());
    }

    @Test
    void decodesAndAPrefillChunkShareAStep() {
        Scheduler s = new Scheduler(new BlockPool(100), 8, 8);
        add(s, seq(0, 3, 10, 4));
        assertEquals("0@0+3", step(s));
        add(s, seq(1, 20, 1, 4));
        assertEquals("0@3+1 1@0+7", step(s), "the decode goes first, the new prompt takes what is left");
        assertEquals("0@4+1 1@7+7", step(s));
        assertEquals("0@5+1 1@14+6", step(s));
        assertEquals("0@6+1", step(s), "1 finished with the token after its prompt");
    }

    @Test
    void admitsFirstComeFirstServedWithoutOvertaking() {
        Scheduler s = new Scheduler(new BlockPool(4), 8, UNLIMITED);
        add(s, seq(0, 8, 1, 4), seq(1, 12, 1, 4), seq(2, 2, 1, 4));
        assertEquals("0@0+8", step(s), "1 needs three blocks and two are free; 2 would fit but waits its turn");
        assertEquals("1@0+12 2@0+2", step(s));
        assertFalse(s.hasWork());
    }

    @Test
    void maxNumSeqsCapsTheRunningSet() {
        Scheduler s = new Scheduler(new BlockPool(100), 2, UNLIMITED);
        add(s, seq(0, 2, 1, 4), seq(1, 2, 2, 4), seq(2, 2, 1, 4));
        assertEquals("0@0+2 1@0+2", step(s));
        assertEquals("1@2+1 2@0+2", step(s), "2 takes the place 0 left");
        assertFalse(s.hasWork());
    }

    @Test
    void aDryPoolPreemptsTheNewestWhichResumesByRecompute() {
        BlockPool pool = new BlockPool(4);
        Scheduler s = new Scheduler(pool, 8, UNLIMITED);
        Sequence a = seq(0, 3, 3, 2), b = seq(1, 3, 3, 2);
        add(s, a, b);
        assertEquals("0@0+3 1@0+3", step(s));
        assertEquals("0@3+1 1@3+1", step(s), "both still fit their two blocks");
        assertEquals(0, s.numPreemptions());
        assertEquals("0@4+1", step(s), "0 needs a third block: 1 gives its two back");
        assertEquals(1, s.numPreemptions());
        assertEquals(0, b.numComputed, "1's cache is gone");
        assertEquals(0, b.blockTable.numBlocks());
        assertEquals(2, b.numOutput(), "its tokens are kept");
        assertEquals("1@0+5", step(s), "once 0 is done, 1 recomputes prompt and tokens in one prefill");
        assertArrayEquals(new int[] {1000, 1001, 1002}, b.result().outputIds());
        assertFalse(s.hasWork());
        assertTrue(pool.allocate(4).isPresent(), "every block is back");
    }

    @Test
    void theNewestIsPreemptedEvenWhenAnOlderOneNeedsTheBlock() {
        Scheduler s = new Scheduler(new BlockPool(6), 8, UNLIMITED);
        Sequence c = seq(2, 3, 2, 2);
        add(s, seq(0, 4, 2, 2), seq(1, 3, 2, 2), c);
        assertEquals("0@0+4 1@0+3 2@0+3", step(s));
        assertEquals("0@4+1 1@3+1", step(s), "0 crosses into a new block; 2, the newest, makes room, not 1");
        assertEquals(1, s.numPreemptions());
        assertEquals(0, c.numComputed);
        assertEquals("2@0+4", step(s));
        assertFalse(s.hasWork());
    }

    @Test
    void theNewestPreemptsItselfWhenItIsTheOneShort() {
        Scheduler s = new Scheduler(new BlockPool(4), 8, UNLIMITED);
        add(s, seq(0, 3, 2, 2), seq(1, 4, 2, 2));
        assertEquals("0@0+3 1@0+4", step(s));
        assertEquals("0@3+1", step(s), "1 needs a third block and is itself the newest");
        assertEquals(1, s.numPreemptions());
        assertEquals("1@0+5", step(s));
        assertFalse(s.hasWork());
    }

    @Test
    void preemptedSequencesResumeInArrivalOrderAheadOfWaitingOnes() {
        Scheduler s = new Scheduler(new BlockPool(4), 4, UNLIMITED);
        add(s, seq(0, 2, 2, 2), seq(1, 2, 2, 2), seq(2, 2, 2, 2), seq(3, 2, 2, 2), seq(4, 2, 1, 2));
        assertEquals("0@0+2 1@0+2 2@0+2 3@0+2", step(s), "4 waits for a place (max 4 sequences)");
        assertEquals("0@2+1 1@2+1", step(s), "0 and 1 each need a block: 3, then 2 are preempted");
        assertEquals(2, s.numPreemptions());
        assertEquals("2@0+3 3@0+3", step(s), "2 before 3, both before 4");
        assertEquals("4@0+2", step(s));
        assertFalse(s.hasWork());
    }

    @Test
    void nothingRunsWhenTheHeadDoesNotFitAnEmptyPool() {
        Scheduler s = new Scheduler(new BlockPool(2), 8, UNLIMITED);
        assertTrue(s.schedule().isEmpty());
        assertFalse(s.hasWork());
        s.add(seq(0, 5, 1, 2));
        assertTrue(s.schedule().isEmpty(), "five positions need three blocks of two");
        assertTrue(s.hasWork());
    }

    /**
     * A seeded random workload under a tight pool and budget: every step keeps the budget and the
     * sequence cap, continues each sequence where its cache ends, owns the blocks it writes, and
     * never shares a block; every sequence ends with all its tokens and the pool ends empty.
     */
    @Test
    void invariantsHoldUnderARandomTightWorkload() {
        SplittableRandom rnd = new SplittableRandom(18);
        for (int trial = 0; trial < 20; trial++) {
            int blockSize = 1 + rnd.nextInt(4);
            int budget = 1 + rnd.nextInt(24);
            int maxNumSeqs = 1 + rnd.nextInt(6);
            List<Sequence> seqs = new ArrayList<>();
            int maxBlocks = 0;
            for (int i = 0; i < 8; i++) {
                Sequence q = seq(i, 1 + rnd.nextInt(30), 1 + rnd.nextInt(12), blockSize);
                seqs.add(q);
                maxBlocks = Math.max(maxBlocks,
                        BlockTable.blocksFor(q.numTokens() + q.request.maxNewTokens(), blockSize));
            }
            int numBlocks = maxBlocks + rnd.nextInt(maxBlocks + 1);
            BlockPool pool = new BlockPool(numBlocks);
            Scheduler s = new Scheduler(pool, maxNumSeqs, budget);
            for (Sequence q : seqs) s.add(q);
            String what = "trial " + trial;
            int steps = 0;
            while (s.hasWork()) {
                assertTrue(++steps < 10_000, what + ": no progress");
                SchedulerOutput out = s.schedule().orElseThrow(() -> new AssertionError(what + ": stalled"));
                checkStep(out, budget, maxNumSeqs, what + " step " + steps);
                finish(s, out);
            }
            for (Sequence q : seqs) assertEquals(q.request.maxNewTokens(), q.numOutput(), what);
            assertTrue(pool.allocate(numBlocks).isPresent(), what + ": blocks leaked");
        }
    }

    private static void checkStep(SchedulerOutput out, int budget, int maxNumSeqs, String what) {
        assertTrue(out.numTokens() <= budget, what + ": over budget");
        assertTrue(out.scheduled().size() <= maxNumSeqs, what + ": too many sequences");
        Set<Sequence> seen = new HashSet<>();
        Set<Integer> blocks = new HashSet<>();
        for (ScheduledSeq ss : out.scheduled()) {
            Sequence q = ss.seq();
            assertTrue(seen.add(q), what + ": a sequence twice");
            assertEquals(q.numComputed, ss.start(), what + ": does not continue where the cache ends");
            assertTrue(ss.numTokens() > 0 && ss.start() + ss.numTokens() <= q.numTokens(), what + ": bad range");
            int[] table = q.blockTable.blocks();
            assertTrue(table.length * q.blockTable.blockSize() >= ss.start() + ss.numTokens(),
                    what + ": writes past its blocks");
            for (int b : table) assertTrue(blocks.add(b), what + ": block " + b + " shared");
        }
    }

    @Test
    void abortTakesASequenceOutWhereverItIsAndFreesItsBlocks() {
        BlockPool pool = new BlockPool(10);
        Scheduler s = new Scheduler(pool, 1, UNLIMITED);
        Sequence running = seq(0, 6, 3, 4), waiting = seq(1, 2, 3, 4);
        add(s, running, waiting);
        assertEquals("0@0+6", step(s), "one sequence at most runs; 1 waits");
        assertEquals(8, pool.numFree(), "the running one holds two blocks");
        s.abort(running);
        assertEquals(10, pool.numFree(), "its blocks are back");
        assertEquals(0, s.numRunning());
        assertEquals(1, s.numWaiting());
        s.abort(waiting);
        assertFalse(s.hasWork());
        s.abort(waiting);
        assertEquals(10, pool.numFree(), "aborting twice releases nothing twice");
    }

    private static Sequence seq(int idx, int promptLen, int maxNewTokens, int blockSize) {
        int[] prompt = IntStream.range(0, promptLen).map(i -> 10 + 100 * idx + i).toArray();
        return new Sequence(idx, new GenerationRequest(prompt, maxNewTokens, true, SamplingParams.greedy()), blockSize);
    }

    private static void add(Scheduler s, Sequence... seqs) {
        for (Sequence q : seqs) s.add(q);
    }

    /** One step: schedule, a token for every sequence the step completes (finishing on length), update. */
    private static String step(Scheduler s) {
        SchedulerOutput out = s.schedule().orElseThrow(() -> new AssertionError("nothing scheduled"));
        String plan = out.scheduled().stream()
                .map(ss -> ss.seq().requestIdx + "@" + ss.start() + "+" + ss.numTokens())
                .collect(Collectors.joining(" "));
        finish(s, out);
        return plan;
    }

    private static void finish(Scheduler s, SchedulerOutput out) {
        for (ScheduledSeq ss : out.scheduled()) {
            Sequence q = ss.seq();
            if (ss.start() + ss.numTokens() != q.numTokens()) continue;
            q.append(1000 + q.numOutput());
            if (q.numOutput() >= q.request.maxNewTokens()) q.finishReason = FinishReason.LENGTH;
        }
        s.update(out);
    }
}
