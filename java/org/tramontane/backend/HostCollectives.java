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

    /** The collectives a backend with device collectives runs itself. */
    enum DeviceCollective { ALL_REDUCE, ALL_GATHER }

    /**
     * A backend is about to run {@code collective} on the device for this rank (the group's fault
     * injection counts these calls as it counts the host ones, and may throw). Default: nothing.
     */
    default void enteringDeviceCollective(DeviceCollective collective) {}

    /**
     * Runs {@code action} on this rank's thread if this rank's failure stops the group: the ranks
     * waiting in a device collective are not the host's to wake, so the backend releases them (its
     * communicator). Registering the same action again is a no-op. Default: never runs it.
     */
    default void onAbort(Runnable action) {}

    /**
     * What a device collective that failed should end this rank with: the group's stop (naming the
     * rank whose failure stopped it) when the group was stopped, else {@code failure}.
     */
    default RuntimeException stopped(RuntimeException failure) {
        return failure;
    }
}
