package org.tramontane.serve;

import org.tramontane.serve.api.ErrorResponse;

/** A request the server answers with an error status and OpenAI's error body. */
final class ApiException extends RuntimeException {
    final int status;
    final String type;
    final String param;

    ApiException(int status, String type, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    /** 400 invalid_request_error, naming the field at fault. */
    static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, message);
    }

    /** 400 for a field this server does not implement (never ignored). */
    static ApiException unsupported(String param, String what) {
        return badRequest(param, what + " is not supported yet");
    }

    ErrorResponse body() {
        return new ErrorResponse(new ErrorResponse.Error(getMessage(), type, param, status));
    }
}
