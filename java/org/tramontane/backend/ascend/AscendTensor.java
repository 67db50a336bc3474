package org.tramontane.backend.ascend;

import java.util.Arrays;
import org.tramontane.config.DType;
import org.tramontane.backend.NativeTensor;

/**
 * A tensor in device memory (an aclrtMalloc allocation, or a view of one). Int32 tensors keep a
 * host copy of what was last written ({@link #host}): ATB needs seqLen/contextLens on the host,
 * and the backend plans prefill/decode from positions without reading the device back.
 */
final class AscendTensor extends NativeTensor {
    /** Host mirror of an I32 tensor (shared by its views), or null. */
    final int[] host;

    AscendTensor(DType dtype, long[] shape, long address, boolean owner, int[] host) {
        super(dtype, shape, address, owner);
        this.host = host;
    }

    /** The same memory seen with another shape of the same element count. */
    AscendTensor reshaped(long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != numElements()) throw new IllegalArgumentException("cannot reshape " + this + " to " + Arrays.toString(shape));
        return new AscendTensor(dtype(), shape, addr(), false, host);
    }

    /** A view of the first {@code rows} rows. */
    AscendTensor firstRows(long rows) {
        if (rows < 0 || rows > rows()) throw new IllegalArgumentException("view of " + rows + " rows of " + this);
        long[] s = shape().clone();
        s[0] = rows;
        return new AscendTensor(dtype(), s, addr(), false, host);
    }

    long bytes() {
        return byteSize();
    }

    long address() {
        return rawAddress();
    }
}
