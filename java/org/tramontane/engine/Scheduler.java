package org.tramontane.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.tramontane.kvcache.BlockPool;
import org.tramontane.kvcache.CachePolicy;
import org.tramontane.kvcache.KvCacheManager;
import org.tramontane.kvcache.PrefixCacheStats;

/**
 * Continuous batching over a paged KV cache (vLLM's shape): each step decodes one token of every
 * running sequence (or runs the next chunk of its prefill) and admits waiting sequences first come,
 * first served while their next chunk fits in free blocks and the step's token budget. A sequence
 * admitted with prefix caching starts after its cached blocks, which cost no budget. When a
 * running sequence cannot get a block, the most recently admitted one is preempted: its blocks
 * go back to the pool and it waits, ahead of new arrivals, to be recomputed. Knows nothing of the
 * model or the backend.
 */
final class Scheduler {
    private final KvCacheManager kv;
    private final int maxNumSeqs;
    private final int maxNumBatchedTokens;
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private long numPreemptions;
    private long prefixCacheQueries;
    private long prefixCacheHits;

    Scheduler(KvCacheManager kv, int maxNumSeqs, int maxNumBatchedTokens) {
        this.kv = kv;
        this.maxNumSeqs = maxNumSeqs;
        this.maxNumBatchedTokens = maxNumBatchedTokens;
    }

    /** Every block kept to the end of its sequence, no prefix caching. */
    Scheduler(BlockPool pool, int maxNumSeqs, int maxNumBatchedTokens) {
        this(new KvCacheManager(pool, CachePolicy.PLAIN), maxNumSeqs, maxNumBatchedTokens);
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
            while (!kv.allocate(s.blockTable, s.tokens(), s.numComputed, n)) {
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
            int[] cached = kv.cachedPrefix(s.blockTable, s.tokens(), s.numTokens());
            int start = cached.length * s.blockTable.blockSize();
            int n = Math.min(s.numTokens() - start, budget);
            if (!kv.admit(s.blockTable, s.tokens(), cached, n)) break;
            waiting.pollFirst();
            running.add(s);
            s.numComputed = start;
            if (s.numCachedTokens < 0) {
                s.numCachedTokens = start;
                if (kv.policy().prefixCaching()) {
                    prefixCacheQueries += s.numTokens();
                    prefixCacheHits += start;
                }
            }
            out.add(new ScheduledSeq(s, start, n));
            budget -= n;
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(new SchedulerOutput(out));
    }

    /**
     * Takes a sequence out wherever it is (waiting or running) and gives its blocks back: called
     * between steps, so no step in flight holds them.
     */
    void abort(Sequence s) {
        if (waiting.remove(s) || running.remove(s)) kv.free(s.blockTable);
    }

    /** A step failed: every sequence goes, and no cached block is trusted (it may never have been written). */
    void abortAll() {
        for (Sequence s : running) kv.free(s.blockTable);
        running.clear();
        waiting.clear();
        kv.forgetCached();
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

    /** Prompt tokens looked up in the prefix cache and found there, each sequence once (zeros without prefix caching). */
    PrefixCacheStats prefixCacheStats() {
        return new PrefixCacheStats(prefixCacheQueries, prefixCacheHits);
    }

    private void preempt(Sequence s) {
        numPreemptions++;
        kv.free(s.blockTable);
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
                kv.free(s.blockTable);
            }
        }
    }
}
