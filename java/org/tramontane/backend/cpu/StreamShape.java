package org.tramontane.backend.cpu;

import org.tramontane.config.DType;

/** A panel weight's matrix as the stream kernels see it: element type, output rows n, inputs k. */
record StreamShape(DType dtype, int n, int k) {
    long bytes() {
        return (long) n * k * dtype.elemBytes;
    }

    /** "bf16 1536x1024". */
    String describe() {
        return dtype.cliName + " " + n + "x" + k;
    }
}
