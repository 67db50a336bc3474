package org.tramontane.serve;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request's body as it arrives, holding no thread while the client is slow (Jetty calls
 * back when more is there), and stops at {@code --max-request-bytes}: a body over it is refused
 * with 413 as soon as its Content-Length or its bytes say so, never buffered whole. A client that
 * stops sending for the idle timeout gets 408.
 */
final class RequestBody implements Runnable {
    private final Request request;
    private final long maxBytes;
    private final Consumer<String> onBody;
    private final Consumer<ApiException> onError;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private RequestBody(Request request, long maxBytes, Consumer<String> onBody, Consumer<ApiException> onError) {
        this.request = request;
        this.maxBytes = maxBytes;
        this.onBody = onBody;
        this.onError = onError;
    }

    /** Reads the body, then calls {@code onBody} (UTF-8 text) or {@code onError}, on whichever thread has the last bytes. */
    static void read(Request request, long maxBytes, Consumer<String> onBody, Consumer<ApiException> onError) {
        long declared = request.getLength();
        if (declared > maxBytes) throw tooLarge(declared, maxBytes);
        new RequestBody(request, maxBytes, onBody, onError).run();
    }

    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable f = chunk.getFailure();
                onError.accept(f instanceof TimeoutException
                        ? new ApiException(408, "invalid_request_error", null, "the request body stopped arriving (idle timeout)")
                        : ApiException.badRequest(null, "cannot read the request body: " + f.getMessage()));
                return;
            }
            ByteBuffer b = chunk.getByteBuffer();
            if (bytes.size() + (long) b.remaining() > maxBytes) {
                chunk.release();
                onError.accept(tooLarge(-1, maxBytes));
                return;
            }
            byte[] part = new byte[b.remaining()];
            b.get(part);
            bytes.write(part, 0, part.length);
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                onBody.accept(bytes.toString(StandardCharsets.UTF_8));
                return;
            }
        }
    }

    /** 413; {@code declared} the Content-Length, or -1 when the bytes themselves went over. */
    static ApiException tooLarge(long declared, long maxBytes) {
        return new ApiException(413, "invalid_request_error", null, "the request body is "
                + (declared >= 0 ? declared + " bytes, " : "") + "over the limit of " + maxBytes + " bytes (--max-request-bytes)");
    }
}
