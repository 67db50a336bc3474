package org.tramontane.backend;

import org.tramontane.config.DType;

import java.util.Arrays;

/**
 * A tensor at a raw native address, owning its allocation or viewing another's: what the
 * backends built on native memory (cpu, ascend) have in common. Use after free is caught.
 */
public abstract class NativeTensor implements DeviceTensor {
    private final DType dtype;
    private final long[] shape;
    private final long address;
    private final boolean owner;
    private boolean freed;

    protected NativeTensor(DType dtype, long[] shape, long address, boolean owner) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.address = address;
        this.owner = owner;
    }

    @Override
    public final DType dtype() {
        return dtype;
    }

    @Override
    public final long[] shape() {
        return shape;
    }

    /** True for the tensor that allocated the memory, false for views. */
    public final boolean owner() {
        return owner;
    }

    public final long byteSize() {
        return numElements() * dtype.elemBytes;
    }

    /** The address, refusing a freed tensor. */
    public final long addr() {
        if (freed) throw new IllegalStateException(getClass().getSimpleName() + " used after free");
        return address;
    }

    /** The address even after free, for the backend's own release bookkeeping. */
    protected final long rawAddress() {
        return address;
    }

    public final void markFreed() {
        freed = true;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + Arrays.toString(shape) + " " + dtype;
    }
}
