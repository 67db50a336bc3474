package org.tramontane.config;


/**
 * An error caused by user input (a bad file, key or flag), not by a bug: the CLI prints its
 * message as one line and exits with code 1, without a stack trace. The message therefore has
 * to stand on its own: it names the file, tensor, key or flag at fault. Each package throws its
 * own subclass so callers can tell where it came from, and {@code Main} catches this one type.
 */
public abstract class UserException extends RuntimeException {
    protected UserException(String message) {
        super(message);
    }

    protected UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
