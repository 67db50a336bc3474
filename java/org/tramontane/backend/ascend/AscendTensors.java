package org.tramontane.backend.ascend;

import java.util.Arrays;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.QuantizedTensor;
import org.tramontane.config.DType;

/** The checks every operation makes of the tensors it is handed, and the aclDataType of a DType. */
final class AscendTensors {
    private AscendTensors() {}

    static AscendTensor asc(DeviceTensor t) {
        if (t instanceof AscendTensor a) return a;
        throw new IllegalArgumentException("tensor " + t + " does not belong to the ascend backend");
    }

    static AscendTensor f32(DeviceTensor t) {
        return ofDtype(t, DType.F32, "f32");
    }

    /** An activation: f32 or a half dtype (the compute dtype inside a block). */
    static AscendTensor floating(DeviceTensor t) {
        AscendTensor a = asc(t);
        if (a.dtype() != DType.F32 && a.dtype() != DType.F16 && a.dtype() != DType.BF16) {
            throw new IllegalArgumentException("expected a float tensor, got " + a);
        }
        return a;
    }

    /** A tensor in {@code dtype} (an activation the operation takes in the compute dtype only). */
    static AscendTensor ofType(DeviceTensor t, DType dtype) {
        return ofDtype(t, dtype, dtype.toString());
    }

    /** The aclDataType of a tensor's dtype. */
    static int aclType(DeviceTensor t) {
        return aclType(t.dtype());
    }

    static AscendTensor int8(DeviceTensor t) {
        return ofDtype(t, DType.I8, "int8");
    }

    private static AscendTensor ofDtype(DeviceTensor t, DType dtype, String what) {
        AscendTensor a = asc(t);
        if (a.dtype() != dtype) throw new IllegalArgumentException("expected an " + what + " tensor, got " + a);
        return a;
    }

    /** A float weight in the compute dtype, {@code weightDtype} (weights load in the precision's dtype). */
    static AscendTensor floatWeight(DeviceTensor t, DType weightDtype) {
        AscendTensor a = asc(t);
        if (a.dtype() != weightDtype) {
            throw new IllegalArgumentException("ascend backend expects " + weightDtype + " weights, got " + a);
        }
        return a;
    }

    static QuantizedTensor quantized(DeviceTensor t) {
        if (t instanceof QuantizedTensor q) return q;
        throw new IllegalArgumentException("expected a quantized weight, got " + t);
    }

    /** An ascend tensor of {@code dtype} holding at least {@code count} elements (a host copy's target). */
    static AscendTensor sized(DeviceTensor t, DType dtype, int count) {
        AscendTensor a = asc(t);
        if (a.dtype() != dtype || a.numElements() < count) {
            throw new IllegalArgumentException("host copy of " + count + " " + dtype + " elements with " + a);
        }
        return a;
    }

    /** t has dims[0] rows and the product of dims elements. */
    static void requireShape(DeviceTensor t, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        if (t.numElements() != n || t.rows() != dims[0]) {
            throw new IllegalArgumentException("tensor " + t + " should be " + Arrays.toString(dims));
        }
    }

    static int aclType(DType d) {
        return switch (d) {
            case F32 -> AscendNative.ACL_FLOAT;
            case F16 -> AscendNative.ACL_FLOAT16;
            case BF16 -> AscendNative.ACL_BF16;
            case I32 -> AscendNative.ACL_INT32;
            case I8 -> AscendNative.ACL_INT8;
        };
    }
}
