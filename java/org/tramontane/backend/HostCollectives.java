package org.tramontane.backend;

/**
 * Collectives over host arrays among the ranks of one tensor-parallel group, seen from one rank:
 * what {@link Backend}'s default all-reduce and all-gather go through when a backend has no device
 * collectives of its own. {@code parallel.Communicator} is the implementation; it lives above this
 * package, so the backend sees only this interface.
 */
public interface HostCollectives {
    int rank();

    int worldSize();

    /** In place: data = data_0 + data_1 + ... + data_{n-1}, added in rank order (float32). */
    void allReduceSum(float[] data);

    /** Every rank's {@code local} (equal lengths), concatenated in rank order. */
    float[] allGather(float[] local);
}
