package org.tramontane.quant;

import org.tramontane.config.UserException;

/**
 * A quantization request or quant description that cannot be honoured: the one-line message
 * names the directory, file or tensor at fault.
 */
public final class QuantException extends UserException {
    public QuantException(String message) {
        super(message);
    }

    public QuantException(String message, Throwable cause) {
        super(message, cause);
    }
}
