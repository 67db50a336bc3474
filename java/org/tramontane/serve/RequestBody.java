package org.tramontane.serve;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request's body as it arrives, holding no thread while the client is slow (Jetty calls
 * back when more is there), and keeps at most {@code --max-request-bytes} of it: a body over the
 * limit is refused with 413. Its bytes are read on and thrown away up to {@link #DISCARD_FACTOR}
 * times the limit first, so that a client still sending its body (no Expect: 100-continue) is not
 * cut off by a reset before it can read the 413; past that, or when its Content-Length says more,
 * the 413 goes out at once and the connection closes. A client that stops sending for the idle
 * timeout gets 408.
 */
final class RequestBody implements Runnable {
    /** See docs/decisions.md (serve-discard). */
    static final long DISCARD_FACTOR = 4;
    private final Request request;
    private final long maxBytes;
    private final Consumer<String> onBody;
    private final Consumer<ApiException> onError;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    /** Set once the body is over the limit: the 413 to send when the rest has been read and dropped. */
    private ApiException refused;
    private long discarded;

    private RequestBody(Request request, long maxBytes, Consumer<String> onBody, Consumer<ApiException> onError) {
        this.request = request;
        this.maxBytes = maxBytes;
        this.onBody = onBody;
        this.onError = onError;
    }

    /** Reads the body, then calls {@code onBody} (UTF-8 text) or {@code onError}, on whichever thread has the last bytes. */
    static void read(Request request, long maxBytes, Consumer<String> onBody, Consumer<ApiException> onError) {
        long declared = request.getLength();
        if (declared > maxBytes * DISCARD_FACTOR) throw tooLarge(declared, maxBytes);
        RequestBody body = new RequestBody(request, maxBytes, onBody, onError);
        if (declared > maxBytes) body.refused = tooLarge(declared, maxBytes);
        body.run();
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
                onError.accept(refused != null ? refused : f instanceof TimeoutException
                        ? new ApiException(408, "invalid_request_error", null, "the request body stopped arriving (idle timeout)")
                        : ApiException.badRequest(null, "cannot read the request body: " + f.getMessage()));
                return;
            }
            ByteBuffer b = chunk.getByteBuffer();
            int n = b.remaining();
            if (refused == null && bytes.size() + (long) n > maxBytes) {
                refused = tooLarge(-1, maxBytes);
                discarded = bytes.size();
                bytes.reset();
            }
            if (refused == null) {
                byte[] part = new byte[n];
                b.get(part);
                bytes.write(part, 0, n);
            } else {
                discarded += n;
            }
            boolean last = chunk.isLast();
            chunk.release();
            if (refused != null && (last || discarded > maxBytes * DISCARD_FACTOR)) {
                onError.accept(refused);
                return;
            }
            if (last) {
                String text;
                try {
                    // a strict decoder: a body that is not UTF-8 is the client's error, not text with U+FFFD in it
                    text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
                } catch (CharacterCodingException e) {
                    onError.accept(ApiException.badRequest(null, "the request body is not valid UTF-8"));
                    return;
                }
                onBody.accept(text);
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
