package org.tramontane.convert;

import java.util.List;
import org.tramontane.config.DType;

/**
 * One tensor of a torch zip checkpoint as its pickle describes it.
 *
 * @param shape         dimensions, outermost first
 * @param strides       in elements, one per dimension
 * @param storageKey    the storage's entry name under {@code data/}
 * @param storageOffset in elements, where the tensor starts in its storage
 */
public record TorchTensor(String name, DType dtype, List<Long> shape, List<Long> strides,
                          String storageKey, long storageOffset) {
    public TorchTensor {
        shape = List.copyOf(shape);
        strides = List.copyOf(strides);
    }

    public long numElements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteLength() {
        return Math.multiplyExact(numElements(), (long) dtype.elemBytes);
    }

    /** Row-major with no gaps: what torch calls contiguous (strides of size-1 dims do not matter). */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.size() - 1; i >= 0; i--) {
            long size = shape.get(i);
            if (size == 0) return true;
            if (size != 1 && strides.get(i) != expected) return false;
            expected *= size;
        }
        return true;
    }
}
