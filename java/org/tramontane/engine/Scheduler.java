package org.tramontane.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.tramontane.kvcache.BlockPool;

/**
 * Continuous batching over a paged KV cache (vLLM's shape): each step decodes one token of every
 * running sequence (or runs the next chunk of its prefill) and admits waiting sequences first come,
 * first served while their next chunk fits in free blocks and the step's token budget. When a
 * running sequence cannot get a block, the most recently admitted one is preempted: its blocks
 * go back to the pool and it waits, ahead of new arrivals, to be recomputed. Knows nothing of the
 * model or the backend.
 */
final class Scheduler {
    private final BlockPool pool;
    private final int maxNumSeqs;
    private final int maxNumBatchedTokens;
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private long numPreemptions;

    Scheduler(BlockPool pool, int maxNumSeqs, int maxNumBatchedTokens) {
        this.pool = pool;
        this.maxNumSeqs = maxNumSeqs;
        this.maxNumBatchedTokens = maxNumBatchedTokens;
    }

    void add(Sequence s) {
        waiting.addLast(s);
    }

    boolean hasWork() {
        return !waiting.isEmpty() || !running.isEmpty();
    }

    /**
     * The next step, or empty when nothing can run (nothing left, or a pool too small for any one
     * sequence). Running sequences go first (a decode token each, or the next chunk of an
     * unfinished prefill), then waiting ones are admitted, all within the step's token budget.
     */
    Optional<SchedulerOutput> schedule() {
        List<ScheduledSeq> out = new ArrayList<>();
        int budget = maxNumBatchedTokens;
        for (int i = 0; i < running.size() && budget > 0; i++) {
            Sequence s = running.get(i);
            int n = Math.min(s.numTokens() - s.numComputed, budget);
            while (!s.blockTable.ensureCapacity(s.numComputed + n, pool)) {
                Sequence victim = running.remove(running.size() - 1);
                preempt(victim);
                if (victim == s) break;
            }
            if (i < running.size() && running.get(i) == s) {
                out.add(new ScheduledSeq(s, s.numComputed, n));
                budget -= n;
            }
        }
        while (!waiting.isEmpty() && running.size() < maxNumSeqs && budget > 0) {
            Sequence s = waiting.peekFirst();
            int n = Math.min(s.numTokens() - s.numComputed, budget);
            if (!s.blockTable.ensureCapacity(s.numComputed + n, pool)) break;
            waiting.pollFirst();
            running.add(s);
            out.add(new ScheduledSeq(s, s.numComputed, n));
            budget -= n;
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(new SchedulerOutput(out));
    }

    /**
     * Takes a sequence out wherever it is (waiting or running) and gives its blocks back: called
     * between steps, so no step in flight holds them.
     */
    void abort(Sequence s) {
        if (waiting.remove(s) || running.remove(s)) s.blockTable.release(pool);
    }

    int numWaiting() {
        return waiting.size();
    }

    int numRunning() {
        return running.size();
    }

    /** Sequences sent back to be recomputed so far (vLLM's num_preemptions_total). */
    long numPreemptions() {
        return numPreemptions;
    }

    private void preempt(Sequence s) {
        numPreemptions++;
        s.blockTable.release(pool);
        s.numComputed = 0;
        waiting.addFirst(s);
    }

    /** After a step: the scheduled tokens are computed; finished sequences free their blocks. */
    void update(SchedulerOutput out) {
        for (ScheduledSeq ss : out.scheduled()) {
            Sequence s = ss.seq();
            s.numComputed = ss.start() + ss.numTokens();
            if (s.finished()) {
                running.remove(s);
                s.blockTable.release(pool);
            }
        }
    }
}
