package org.tramontane.convert;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Exactly {@code length} bytes of an underlying stream: end of stream after them, and an
 * {@link EOFException} if the underlying stream ends first (a truncated file). Closing closes
 * the underlying stream.
 */
final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInputStream(InputStream in, long length) {
        this.in = in;
        this.remaining = length;
    }

    @Override
    public int read() throws IOException {
        if (remaining == 0) return -1;
        int b = in.read();
        if (b < 0) throw new EOFException("data ended " + remaining + " bytes early");
        remaining--;
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (remaining == 0) return -1;
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) throw new EOFException("data ended " + remaining + " bytes early");
        remaining -= n;
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
