package org.tramontane.backend;

import org.tramontane.config.DType;

/**
 * A tensor in a backend's memory: row-major, dtype and shape fixed. Which memory it lives in
 * is the backend's business; {@code model} only passes tensors back to the backend that made them.
 */
public interface DeviceTensor {
    DType dtype();

    /** Shape, outermost first; the returned array must not be modified. */
    long[] shape();

    default long numElements() {
        long n = 1;
        for (long d : shape()) n *= d;
        return n;
    }

    default long rows() {
        return shape()[0];
    }

    /** Elements per row (product of all but the first dimension). */
    default long rowElems() {
        long n = 1;
        long[] s = shape();
        for (int i = 1; i < s.length; i++) n *= s[i];
        return n;
    }
}
