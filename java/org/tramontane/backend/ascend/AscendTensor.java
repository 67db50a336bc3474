package org.tramontane.backend.ascend;

import java.util.Arrays;
import org.tramontane.backend.DType;
import org.tramontane.backend.DeviceTensor;

/**
 * A tensor in device memory (an aclrtMalloc allocation, or a view of one). Int32 tensors keep a
 * host copy of what was last written ({@link #host}): ATB needs seqLen/contextLens on the host,
 * and the backend plans prefill/decode from positions without reading the device back.
 */
final class AscendTensor implements DeviceTensor {
    private final DType dtype;
    private final long[] shape;
    final long address;
    final boolean owner;
    /** Host mirror of an I32 tensor (shared by its views), or null. */
    final int[] host;
    private boolean freed;

    AscendTensor(DType dtype, long[] shape, long address, boolean owner, int[] host) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.address = address;
        this.owner = owner;
        this.host = host;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long[] shape() {
        return shape;
    }

    long bytes() {
        return numElements() * dtype.elemBytes;
    }

    long addr() {
        if (freed) throw new IllegalStateException("ascend tensor used after free");
        return address;
    }

    void markFreed() {
        freed = true;
    }

    @Override
    public String toString() {
        return "AscendTensor" + Arrays.toString(shape) + " " + dtype;
    }
}
