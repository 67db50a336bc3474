package org.tramontane.backend.ascend;

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

    long bytes() {
        return byteSize();
    }

    long address() {
        return rawAddress();
    }
}
