package org.tramontane.convert;

import org.tramontane.config.UserException;

/**
 * A conversion that cannot proceed: bad input directory or params.json, tensors that do not
 * fit the parameters, an output directory in the way. The one-line message names the file,
 * tensor, key or flag ({@code --input}, {@code --output}) at fault.
 */
public final class ConvertException extends UserException {
    public ConvertException(String message) {
        super(message);
    }

    public ConvertException(String message, Throwable cause) {
        super(message, cause);
    }
}
