package org.tramontane.serve;

/**
 * How the server listens.
 *
 * @param host            the address to bind (loopback unless asked otherwise)
 * @param port            0 = any free port
 * @param apiKey          a Bearer token every route but /health requires; null = none
 * @param maxQueue        sequences that may wait to be scheduled; more are refused with 503 at once
 * @param maxRequestBytes a request body over this is refused with 413, unread
 * @param idleTimeoutMs   a client that sends nothing (headers, body) or reads nothing of its answer for this long is
 *                        dropped; waiting for the engine does not count
 * @param heartbeatMs     a stream silent this long (queued, prefilling) gets an SSE comment, so that a vanished
 *                        HTTP/1.1 client is seen (only a failed write shows it)
 */
public record ServeOptions(String host, int port, String servedModelName, String apiKey, int maxQueue, long maxRequestBytes,
        long idleTimeoutMs, long heartbeatMs) {
    /** See docs/decisions.md: a batch of 32768-token prompts as ids fits many times over. */
    public static final long DEFAULT_MAX_REQUEST_BYTES = 8L << 20;
    /** See docs/decisions.md: uvicorn (vLLM) drops an idle keep-alive connection after 5 s; a slow mobile link gets more. */
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 30_000;
    /** See docs/decisions.md (serve-heartbeat). */
    public static final long DEFAULT_HEARTBEAT_MS = 1000;

    public ServeOptions {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be in [0, 65535]");
        if (maxQueue < 1) throw new IllegalArgumentException("--max-queue must be >= 1");
        if (maxRequestBytes < 1) throw new IllegalArgumentException("--max-request-bytes must be >= 1");
        if (idleTimeoutMs < 1) throw new IllegalArgumentException("the idle timeout must be >= 1 ms");
        if (heartbeatMs < 1) throw new IllegalArgumentException("the heartbeat must be >= 1 ms");
    }

    public ServeOptions(String host, int port, String servedModelName, String apiKey, int maxQueue) {
        this(host, port, servedModelName, apiKey, maxQueue, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_HEARTBEAT_MS);
    }
}
