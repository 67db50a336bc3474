package org.tramontane.backend.cpu;

import java.util.Arrays;
import org.tramontane.backend.DType;
import org.tramontane.backend.DeviceTensor;

/** A tensor in native memory: a 64-byte aligned allocation (owner) or a view into one. */
final class CpuTensor implements DeviceTensor {
    private final DType dtype;
    private final long[] shape;
    final long address;
    final boolean owner;
    private boolean freed;

    CpuTensor(DType dtype, long[] shape, long address, boolean owner) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.address = address;
        this.owner = owner;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long[] shape() {
        return shape;
    }

    long byteSize() {
        return numElements() * dtype.elemBytes;
    }

    long addr() {
        if (freed) throw new IllegalStateException("tensor used after free");
        return address;
    }

    void markFreed() {
        freed = true;
    }

    @Override
    public String toString() {
        return "CpuTensor" + Arrays.toString(shape) + " " + dtype;
    }
}
