package org.tramontane.cli;

import org.tramontane.config.UserException;

/** A user mistake the CLI itself finds (a file a flag names that cannot be used): one line, exit 1. */
final class CliException extends UserException {
    CliException(String message) {
        super(message);
    }
}
