package org.tramontane.engine;

import org.tramontane.config.UserException;

/** A request the engine cannot serve as configured; the message names the flag to change. */
public final class EngineException extends UserException {
    public EngineException(String message) {
        super(message);
    }
}
