package org.tramontane.backend.cpu;

import java.util.Arrays;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.config.DType;

/** The argument checks every cpu operation shares, and the native status codes as exceptions. */
final class CpuChecks {
    private CpuChecks() {}

    static CpuTensor cpu(DeviceTensor t) {
        if (t instanceof CpuTensor c) return c;
        throw new IllegalArgumentException("tensor " + t + " does not belong to the cpu backend");
    }

    /** A tensor read or viewed as row-major: not one laid out for the linear kernels. */
    static CpuTensor rowMajor(DeviceTensor t, String op) {
        CpuTensor c = cpu(t);
        if (c.panels()) {
            throw new IllegalArgumentException("cannot " + op + " " + c + ": only linear operations read it");
        }
        return c;
    }

    static void requireF32(DeviceTensor... ts) {
        for (DeviceTensor t : ts) {
            if (t.dtype() != DType.F32) throw new IllegalArgumentException("expected an f32 tensor, got " + t);
        }
    }

    static void requireShape(DeviceTensor t, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        if (t.numElements() != n || t.rows() != dims[0]) {
            throw new IllegalArgumentException("tensor " + t + " should be " + Arrays.toString(dims));
        }
    }

    static void checkComputeDtype(DType d) {
        if (!d.isFloat()) {
            throw new org.tramontane.config.ConfigException(d + " weights are not supported by the cpu backend yet");
        }
    }

    static void check(int status, String op) {
        if (status == CpuNative.TN_OK) return;
        String why = switch (status) {
            case CpuNative.TN_E_ARG -> "invalid argument";
            case CpuNative.TN_E_INDEX -> "index out of range";
            default -> "status " + status;
        };
        throw new IllegalStateException("native " + op + " failed: " + why);
    }
}
