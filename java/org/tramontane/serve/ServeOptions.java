package org.tramontane.serve;

/**
 * How the server listens.
 *
 * @param host      the address to bind (loopback unless asked otherwise)
 * @param port      0 = any free port
 * @param apiKey    a Bearer token every route but /health requires; null = none
 * @param maxQueue  sequences that may wait to be scheduled; more are refused with 503 at once
 */
public record ServeOptions(String host, int port, String servedModelName, String apiKey, int maxQueue) {
    public ServeOptions {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be in [0, 65535]");
        if (maxQueue < 1) throw new IllegalArgumentException("--max-queue must be >= 1");
    }
}
