package org.tramontane.backend.ascend;

import java.util.Arrays;
import org.tramontane.config.DType;
import org.tramontane.backend.NativeTensor;

/**
 * A tensor in device memory (an aclrtMalloc allocation, or a view of one). It keeps no host copy:
 * what ATB needs on the host (seqLen, contextLens) comes from the step's
 * {@link org.tramontane.backend.AttentionMetadata}.
 */
final class AscendTensor extends NativeTensor {
    AscendTensor(DType dtype, long[] shape, long address, boolean owner) {
        super(dtype, shape, address, owner);
    }

    /** The same memory seen with another shape of the same element count. */
    AscendTensor reshaped(long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != numElements()) throw new IllegalArgumentException("cannot reshape " + this + " to " + Arrays.toString(shape));
        return new AscendTensor(dtype(), shape, addr(), false);
    }

    /** A view of the first {@code rows} rows. */
    AscendTensor firstRows(long rows) {
        if (rows < 0 || rows > rows()) throw new IllegalArgumentException("view of " + rows + " rows of " + this);
        long[] s = shape().clone();
        s[0] = rows;
        return new AscendTensor(dtype(), s, addr(), false);
    }

    long bytes() {
        return byteSize();
    }

    long address() {
        return rawAddress();
    }
}
