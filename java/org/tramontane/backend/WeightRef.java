package org.tramontane.backend;

import org.tramontane.config.DType;

import java.nio.file.Path;

/**
 * Where a weight's bytes sit in a file on disk: the backend maps the file natively and lays the
 * tensor out for its kernels. {@code dataOffset} is absolute in the file (long: files over 2 GiB).
 *
 * @param shape outermost first, row-major
 */
public record WeightRef(Path file, long dataOffset, long byteLength, DType dtype, long[] shape) {
    public long numElements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
