package org.tramontane.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.tramontane.model.CausalLm;
import org.tramontane.model.ForwardBatch;
import org.tramontane.parallel.Communicator;
import org.tramontane.parallel.ParallelException;
import org.tramontane.parallel.RankFailure;

/**
 * The ranks of one tensor-parallel group driven as one model: one thread per rank (created once),
 * every rank runs the same step; the logits (gathered on every rank) are taken from rank 0.
 * A rank that throws aborts the group, so the others fail instead of waiting, and the first
 * error is rethrown. A rank blocked in a device collective the abort cannot release (ATB's lccl
 * communicator has no destroy or abort; a rank that failed before wiring its release) would hold
 * the step until the collective timeout, so once a rank has failed the others get
 * {@link #STOP_GRACE_MILLIS}; the ones still running then are abandoned: never closed, as their
 * threads may still be inside a native call that uses their memory. The group is stopped for good:
 * later calls fail at once.
 */
public final class TensorParallelLm implements CausalLm {
    /** How long the other ranks get to end once one failed (decisions.md, tp-stop-grace). */
    static final long STOP_GRACE_MILLIS = 2000;

    private final List<CausalLm> ranks;
    private final List<Communicator> comms;
    private final ExecutorService threads;
    private final boolean[] abandoned;
    private volatile Throwable stoppedBy;  // the error a step of the stopped group ended with

    public TensorParallelLm(List<CausalLm> ranks, List<Communicator> comms) {
        this.ranks = List.copyOf(ranks);
        this.comms = List.copyOf(comms);
        this.threads = Executors.newFixedThreadPool(ranks.size(), r -> {
            Thread t = new Thread(r, "tp-rank");
            t.setDaemon(true);
            return t;
        });
        this.abandoned = new boolean[ranks.size()];
    }

    @Override
    public int vocabSize() {
        return ranks.get(0).vocabSize();
    }

    @Override
    public int slidingWindow() {
        return ranks.get(0).slidingWindow();
    }

    @Override
    public void allocateKvCache(int numBlocks, int blockSize) {
        onEveryRank(r -> {
            ranks.get(r).allocateKvCache(numBlocks, blockSize);
            return null;
        });
    }

    @Override
    public float[][] forward(ForwardBatch batch) {
        return onEveryRank(r -> ranks.get(r).forward(batch)).get(0);
    }

    private <T> List<T> onEveryRank(IntFunction<T> work) {
        Throwable stopped = stoppedBy;
        // an abandoned rank's thread is still busy: a new step would queue behind it
        if (stopped != null) throw new ParallelException("tensor-parallel group stopped: " + stopped.getMessage(), stopped);
        CompletionService<T> done = new ExecutorCompletionService<>(threads);
        List<Future<T>> futures = new ArrayList<>();
        for (int r = 0; r < ranks.size(); r++) {
            final int rank = r;
            futures.add(done.submit(() -> {
                try {
                    return work.apply(rank);
                } catch (RuntimeException | Error e) {
                    comms.get(rank).abort(e);
                    throw RankFailure.rethrow(rank, e);
                }
            }));
        }
        List<Throwable> errors = new ArrayList<>();
        long deadline = 0;  // set when the first rank fails
        try {
            for (int left = futures.size(); left > 0; left--) {
                Future<T> f;
                if (errors.isEmpty()) {
                    f = done.take();
                } else {
                    f = done.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (f == null) break;  // the grace is over: the ranks still running are abandoned
                }
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (errors.isEmpty()) deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_GRACE_MILLIS);
                    errors.add(e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (errors.isEmpty()) {
            List<T> out = new ArrayList<>();
            try {
                for (Future<T> f : futures) out.add(f.get());  // every one is done: no wait
            } catch (InterruptedException | ExecutionException e) {
                throw new IllegalStateException("a rank's finished step", e);
            }
            return out;
        }
        for (int r = 0; r < futures.size(); r++) abandoned[r] = !futures.get(r).isDone();
        // the rank that failed first is the interesting one; the others only saw the abort
        Throwable root = errors.stream().filter(t -> !(t instanceof ParallelException)).findFirst().orElse(errors.get(0));
        stoppedBy = root;
        if (root instanceof RuntimeException re) throw re;
        if (root instanceof Error err) throw err;
        throw new IllegalStateException(root);
    }

    /**
     * Whether rank {@code rank} was still running when the group stopped: its backend must not be
     * closed either, as its thread may still be inside a native call.
     */
    public boolean abandoned(int rank) {
        return abandoned[rank];
    }

    @Override
    public void close() {
        threads.shutdownNow();
        for (int r = 0; r < ranks.size(); r++) {
            if (!abandoned[r]) ranks.get(r).close();
        }
    }
}
