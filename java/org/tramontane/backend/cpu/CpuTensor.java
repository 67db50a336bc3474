package org.tramontane.backend.cpu;

import org.tramontane.backend.DType;
import org.tramontane.backend.NativeTensor;

/** A tensor in native host memory: a 64-byte aligned allocation (owner) or a view into one. */
final class CpuTensor extends NativeTensor {
    CpuTensor(DType dtype, long[] shape, long address, boolean owner) {
        super(dtype, shape, address, owner);
    }

    long address() {
        return rawAddress();
    }
}
