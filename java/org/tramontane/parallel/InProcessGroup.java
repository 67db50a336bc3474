package org.tramontane.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ranks as threads of one process, exchanging through shared memory. Each collective is two
 * barrier phases: every rank publishes its buffer, then every rank reads all of them (in rank
 * order, so sums are bit-identical on every rank and every run), then a second barrier keeps the
 * buffers alive until all have read. A rank that fails calls {@link Communicator#abort}, which
 * breaks the barrier: the others fail at once with the cause instead of hanging; a barrier that
 * waits longer than the timeout fails too. A backend with device collectives registers what
 * releases its ranks waiting on the device ({@link #rank}'s {@code onAbort}), run by the failing
 * rank. A {@link RankFault} ({@code TRAMONTANE_FAULT}) makes one rank fail as it enters a
 * collective, host or device, for tests.
 */
public final class InProcessGroup {
    private final int worldSize;
    private final CyclicBarrier barrier;
    private final float[][] published;
    private final long timeoutSeconds;
    private final RankFault fault;
    private volatile Throwable abortCause;
    /** The rank whose failure stopped the group; -1 for none, or a timeout. */
    private volatile int abortedBy = -1;

    public InProcessGroup(int worldSize, long timeoutSeconds) {
        if (worldSize < 1) throw new IllegalArgumentException("worldSize must be >= 1");
        this.worldSize = worldSize;
        this.barrier = new CyclicBarrier(worldSize);
        this.published = new float[worldSize][];
        this.timeoutSeconds = timeoutSeconds;
        this.fault = RankFault.configured(worldSize).orElse(null);
    }

    public Communicator rank(int r) {
        if (r < 0 || r >= worldSize) throw new IllegalArgumentException("rank " + r + " of " + worldSize);
        return new Rank(r);
    }

    private void await(int rank) {
        if (abortCause != null) throw aborted(rank);
        try {
            barrier.await(timeoutSeconds, TimeUnit.SECONDS);
        } catch (BrokenBarrierException e) {
            throw aborted(rank);
        } catch (TimeoutException e) {
            abortCause = new ParallelException("rank " + rank + " waited over " + timeoutSeconds
                    + " s for the other ranks in a collective");
            barrier.reset();
            throw aborted(rank);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abortCause = e;
            barrier.reset();
            throw aborted(rank);
        }
    }

    private ParallelException aborted(int rank) {
        Throwable c = abortCause;
        String why = c == null ? "another rank left the group" : abortedBy >= 0 ? "rank " + abortedBy + " failed: " + c : c.getMessage();
        return new ParallelException("rank " + rank + ": tensor-parallel group stopped: " + why, c);
    }

    private final class Rank implements Communicator {
        private final int rank;
        private long allReduceCalls;
        private long allGatherCalls;
        private final List<Runnable> onAbort = new ArrayList<>();

        Rank(int rank) {
            this.rank = rank;
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int worldSize() {
            return worldSize;
        }

        @Override
        public void allReduceSum(float[] data) {
            if (worldSize == 1) return;
            if (fault != null) fault.check(rank, RankFault.Op.ALLREDUCE, ++allReduceCalls);
            float[] mine = data.clone();
            published[rank] = mine;
            await(rank);
            for (int i = 0; i < data.length; i++) {
                float s = published[0][i];
                for (int r = 1; r < worldSize; r++) s += published[r][i];
                data[i] = s;
            }
            await(rank);
        }

        @Override
        public float[] allGather(float[] local) {
            if (worldSize == 1) return local;
            if (fault != null) fault.check(rank, RankFault.Op.ALLGATHER, ++allGatherCalls);
            published[rank] = local;
            await(rank);
            float[] out = new float[local.length * worldSize];
            for (int r = 0; r < worldSize; r++) {
                if (published[r].length != local.length) {
                    throw new IllegalStateException("allGather lengths differ: rank " + r + " has " + published[r].length);
                }
                System.arraycopy(published[r], 0, out, r * local.length, local.length);
            }
            await(rank);
            return out;
        }

        @Override
        public void enteringDeviceCollective(DeviceCollective collective) {
            if (worldSize == 1) return;
            // a rank the abort cannot release once inside the device collective must not enter it
            if (abortCause != null) throw aborted(rank);
            if (fault == null) return;
            if (collective == DeviceCollective.ALL_REDUCE) fault.check(rank, RankFault.Op.ALLREDUCE, ++allReduceCalls);
            else fault.check(rank, RankFault.Op.ALLGATHER, ++allGatherCalls);
        }

        @Override
        public synchronized void onAbort(Runnable action) {
            if (!onAbort.contains(action)) onAbort.add(action);
        }

        @Override
        public RuntimeException stopped(RuntimeException failure) {
            if (abortCause == null) return failure;
            ParallelException e = aborted(rank);
            e.addSuppressed(failure);
            return e;
        }

        @Override
        public void abort(Throwable cause) {
            boolean first;
            synchronized (InProcessGroup.this) {
                first = abortCause == null;
                if (first) {
                    abortedBy = rank;
                    abortCause = cause;
                }
            }
            barrier.reset();
            if (!first) return;
            List<Runnable> actions;
            synchronized (this) {
                actions = List.copyOf(onAbort);
            }
            for (Runnable a : actions) {
                try {
                    a.run();
                } catch (RuntimeException e) {
                    cause.addSuppressed(e);
                }
            }
        }
    }
}
