package org.tramontane.model;

import org.tramontane.config.UserException;

/** A checkpoint the model cannot be bound from as asked (a load option it does not fit); the message names the directory and flag. */
public final class ModelException extends UserException {
    public ModelException(String message) {
        super(message);
    }
}
