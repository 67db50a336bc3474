package org.tramontane.serve;

import org.tramontane.config.UserException;

/** The server cannot start as asked (a port in use, an address not here); the message names the flag. */
public final class ServeException extends UserException {
    public ServeException(String message) {
        super(message);
    }
}
