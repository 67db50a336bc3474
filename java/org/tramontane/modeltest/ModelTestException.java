package org.tramontane.modeltest;

import org.tramontane.config.UserException;

/** A modeltest run that cannot go on (missing or malformed dataset, unwritable output): one line, exit 1. */
public final class ModelTestException extends UserException {
    public ModelTestException(String message) {
        super(message);
    }

    public ModelTestException(String message, Throwable cause) {
        super(message, cause);
    }
}
