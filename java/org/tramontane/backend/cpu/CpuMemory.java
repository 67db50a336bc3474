package org.tramontane.backend.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.config.DType;

/** The native allocations of one cpu backend: each made here, each freed here (at the latest at close). */
final class CpuMemory implements AutoCloseable {
    private final List<CpuTensor> owned = new ArrayList<>();

    CpuTensor alloc(DType dtype, long... shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        long bytes = Math.multiplyExact(n, (long) dtype.elemBytes);
        long addr = CpuNative.tn_alloc(bytes);
        if (addr == 0) throw new OutOfMemoryError("native allocation of " + bytes + " bytes (" + dtype + " "
                + Arrays.toString(shape) + ") failed");
        CpuTensor t = new CpuTensor(dtype, shape, addr, true);
        owned.add(t);
        return t;
    }

    void free(DeviceTensor t) {
        CpuTensor c = CpuChecks.cpu(t);
        if (!c.owner()) return;
        if (owned.remove(c)) {
            CpuNative.tn_free(c.addr());
            c.markFreed();
        }
    }

    @Override
    public void close() {
        for (CpuTensor t : owned) {
            CpuNative.tn_free(t.address());
            t.markFreed();
        }
        owned.clear();
    }

    /**
     * Every allocation still held, as address / byte-length pairs (its bytes may have been handed
     * over to a laid-out tensor, which reads the same memory): what the tuner's timing runs read.
     */
    long[] regions() {
        long[] r = new long[2 * owned.size()];
        for (int i = 0; i < owned.size(); i++) {
            r[2 * i] = owned.get(i).address();
            r[2 * i + 1] = owned.get(i).byteSize();
        }
        return r;
    }

    /** A non-owning JavaCPP view of native memory at a raw address (host copies). */
    static Pointer raw(long address, long limit) {
        return new Raw(address, limit);
    }

    private static final class Raw extends Pointer {
        Raw(long address, long limit) {
            this.address = address;
            this.limit = limit;
            this.capacity = limit;
        }
    }
}
