package org.tramontane.parallel;

import org.tramontane.backend.HostCollectives;

/**
 * Collectives among the ranks of one tensor-parallel group, seen from one rank. Every rank must
 * issue the same collectives in the same order each step. Results never depend on thread timing:
 * reductions add the ranks' contributions in rank order.
 */
public interface Communicator extends HostCollectives {

    /** Stops the group: every rank waiting in, or later entering, a collective fails with {@code cause}. */
    void abort(Throwable cause);

    /** The trivial group of one rank. */
    static Communicator single() {
        return new Communicator() {
            @Override
            public int rank() {
                return 0;
            }

            @Override
            public int worldSize() {
                return 1;
            }

            @Override
            public void allReduceSum(float[] data) {
            }

            @Override
            public float[] allGather(float[] local) {
                return local;
            }

            @Override
            public void abort(Throwable cause) {
            }
        };
    }
}
