package org.tramontane.weights;

import org.tramontane.config.UserException;

/**
 * A weight file or checkpoint directory that cannot be used: the one-line message names the
 * file (or directory) and, where one is at fault, the tensor.
 */
public final class WeightsException extends UserException {
    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
