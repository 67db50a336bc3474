package org.tramontane.parallel;

import org.tramontane.config.UserException;

/**
 * A rank of a tensor-parallel group failed with something that is not the user's to fix (a bug,
 * a native failure, a dying thread): the one line the user sees names the rank, and the cause's
 * message names the op.
 */
public final class RankFailure extends RuntimeException {
    private RankFailure(int rank, Throwable cause) {
        super("tensor-parallel rank " + rank + " failed: " + cause, cause);
    }

    /**
     * Throws what rank {@code rank}'s thread should end with: a {@link UserException} or an
     * OutOfMemoryError as it is (its message is what the user acts on), anything else as a
     * RankFailure naming the rank. Declared to return so callers can write {@code throw rethrow(..)}.
     */
    public static RuntimeException rethrow(int rank, Throwable cause) {
        if (cause instanceof UserException u) throw u;
        if (cause instanceof OutOfMemoryError oom) throw oom;
        throw new RankFailure(rank, cause);
    }
}
