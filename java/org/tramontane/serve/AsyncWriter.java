package org.tramontane.serve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Writes a response body in pieces without ever blocking the caller (the engine thread): pieces
 * queue while a write is in flight and go out together when it completes. A failed write (the
 * client went away) runs {@code onFailure} once and drops whatever follows.
 */
final class AsyncWriter {
    private final Response response;
    private final Callback done;
    private final Runnable onFailure;
    private final StringBuilder queued = new StringBuilder();
    private boolean writing;
    private boolean lastQueued;
    private boolean closed;

    AsyncWriter(Response response, Callback done, Runnable onFailure) {
        this.response = response;
        this.done = done;
        this.onFailure = onFailure;
    }

    /** Makes the writer of one exchange, given what to run when the client goes away. */
    interface Factory {
        AsyncWriter create(Runnable onFailure);
    }

    /** The whole body with another status (nothing may have been written yet). */
    void fail(int status, String body) {
        response.setStatus(status);
        send(body, true);
    }

    /** Queues {@code text}; {@code last} ends the response after it. */
    void send(String text, boolean last) {
        ByteBuffer buf;
        boolean end;
        synchronized (this) {
            if (closed || lastQueued) return;
            queued.append(text);
            lastQueued = last;
            if (writing) return;
            writing = true;
            buf = take();
            end = lastQueued;
        }
        write(buf, end);
    }

    private ByteBuffer take() {
        ByteBuffer buf = ByteBuffer.wrap(queued.toString().getBytes(StandardCharsets.UTF_8));
        queued.setLength(0);
        return buf;
    }

    private void write(ByteBuffer buf, boolean last) {
        response.write(last, buf, Callback.from(() -> written(last), this::failed));
    }

    private void written(boolean wasLast) {
        if (wasLast) {
            synchronized (this) {
                closed = true;
            }
            done.succeeded();
            return;
        }
        ByteBuffer buf;
        boolean end;
        synchronized (this) {
            if (queued.length() == 0 && !lastQueued) {
                writing = false;
                return;
            }
            buf = take();
            end = lastQueued;
        }
        write(buf, end);
    }

    private void failed(Throwable cause) {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        onFailure.run();
        done.failed(cause);
    }
}
