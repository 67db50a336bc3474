package org.tramontane.parallel;

import org.tramontane.config.UserException;

/** A world size the model cannot be split by, or a rank failure seen by the others. */
public final class ParallelException extends UserException {
    public ParallelException(String message) {
        super(message);
    }

    public ParallelException(String message, Throwable cause) {
        super(message, cause);
    }
}
