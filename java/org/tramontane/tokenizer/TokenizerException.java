package org.tramontane.tokenizer;

import org.tramontane.config.UserException;

/**
 * A tokenizer file is missing, unreadable, malformed or uses a feature we do not implement.
 * The message is one line and names the file, so the CLI can print it as is.
 */
public final class TokenizerException extends UserException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
