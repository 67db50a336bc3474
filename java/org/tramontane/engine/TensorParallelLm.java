package org.tramontane.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * error is rethrown.
 */
public final class TensorParallelLm implements CausalLm {
    private final List<CausalLm> ranks;
    private final List<Communicator> comms;
    private final ExecutorService threads;

    public TensorParallelLm(List<CausalLm> ranks, List<Communicator> comms) {
        this.ranks = List.copyOf(ranks);
        this.comms = List.copyOf(comms);
        this.threads = Executors.newFixedThreadPool(ranks.size(), r -> {
            Thread t = new Thread(r, "tp-rank");
            t.setDaemon(true);
            return t;
        });
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
        List<Future<T>> futures = new ArrayList<>();
        for (int r = 0; r < ranks.size(); r++) {
            final int rank = r;
            futures.add(threads.submit(() -> {
                try {
                    return work.apply(rank);
                } catch (RuntimeException | Error e) {
                    comms.get(rank).abort(e);
                    throw RankFailure.rethrow(rank, e);
                }
            }));
        }
        List<T> out = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (Future<T> f : futures) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                errors.add(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        if (errors.isEmpty()) return out;
        // the rank that failed first is the interesting one; the others only saw the abort
        Throwable root = errors.stream().filter(t -> !(t instanceof ParallelException)).findFirst().orElse(errors.get(0));
        if (root instanceof RuntimeException re) throw re;
        if (root instanceof Error err) throw err;
        throw new IllegalStateException(root);
    }

    @Override
    public void close() {
        threads.shutdownNow();
        for (CausalLm r : ranks) r.close();
    }
}
