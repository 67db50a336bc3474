package org.tramontane.backend.cpu;

import org.tramontane.config.DType;
import org.tramontane.backend.NativeTensor;

/**
 * A tensor in native host memory: a 64-byte aligned allocation (owner) or a view into one. A
 * linear weight handed to {@link CpuBackend#forLinear} is a view in the kernels' panel layout
 * ({@code panels}): only the linear and MoE operations read it.
 */
final class CpuTensor extends NativeTensor {
    private final boolean panels;

    CpuTensor(DType dtype, long[] shape, long address, boolean owner) {
        this(dtype, shape, address, owner, false);
    }

    CpuTensor(DType dtype, long[] shape, long address, boolean owner, boolean panels) {
        super(dtype, shape, address, owner);
        this.panels = panels;
    }

    /** True when the rows are in tn_pack_panels' layout rather than row-major. */
    boolean panels() {
        return panels;
    }

    /** The dtype code the native linear kernels take: TN_W_PANELS marks the panel layout. */
    int weightCode() {
        return dtype().code | (panels ? CpuNative.TN_W_PANELS : 0);
    }

    @Override
    public String toString() {
        return panels ? super.toString() + " (panels)" : super.toString();
    }

    long address() {
        return rawAddress();
    }
}
