package org.tramontane.modeltest;

import org.tramontane.config.UserException;

/**
 * A command line that does not follow MindIE's modeltest grammar. Not a {@link org.tramontane.config.UserException}:
 * the CLI turns it into a usage error (exit 2), not a run-time failure (exit 1).
 */
public final class GrammarException extends RuntimeException {
    public GrammarException(String message) {
        super(message);
    }
}
