package org.tramontane.serve.api;

/** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}. */
public record ErrorResponse(Error error) {
    /**
     * @param type  invalid_request_error, authentication_error, not_found_error, service_unavailable or server_error
     * @param param the request field at fault, or null
     * @param code  the HTTP status
     */
    public record Error(String message, String type, String param, int code) {
    }
}
