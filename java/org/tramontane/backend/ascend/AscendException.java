package org.tramontane.backend.ascend;

import org.tramontane.config.UserException;

/** A failed Ascend runtime / ATB / aclnn call, or an environment without the runtime: one line. */
public final class AscendException extends UserException {
    public AscendException(String message) {
        super(message);
    }
}
