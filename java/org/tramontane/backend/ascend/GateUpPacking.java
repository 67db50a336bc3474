package org.tramontane.backend.ascend;

import static org.tramontane.backend.ascend.AscendTensors.f32;
import static org.tramontane.backend.ascend.AscendTensors.floatWeight;
import static org.tramontane.backend.ascend.AscendTensors.int8;
import static org.tramontane.backend.ascend.AscendTensors.quantized;

import java.util.IdentityHashMap;
import java.util.Map;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.QuantizedTensor;
import org.tramontane.config.DType;

/**
 * MindIE's packed gate_up of each MoE layer, built once on the device from the layer's w1 and w3:
 * weight [E, 2I, H] (per expert, w1's rows then w3's), and for int8 experts the scales [E, 2I]
 * packed alike. GroupedMatmulV4 then runs gate and up as one matmul per expert group.
 */
final class GateUpPacking {
    /** The packed weight and, for int8 experts, its scales (else null). */
    record GateUp(AscendTensor weight, AscendTensor scale) {}

    private final AscendDevice device;
    private final DType weightDtype;
    private final Map<ExpertWeights, GateUp> packed = new IdentityHashMap<>();

    GateUpPacking(AscendDevice device, DType weightDtype) {
        this.device = device;
        this.weightDtype = weightDtype;
    }

    /** The packed gate_up of this layer's experts ([E, I, H] each), made on first use. */
    GateUp of(ExpertWeights experts, int numExperts, int inter, int hidden) {
        GateUp g = packed.get(experts);
        if (g != null) return g;
        boolean quant = experts.w1() instanceof QuantizedTensor;
        if (quant != experts.w3() instanceof QuantizedTensor || quant != experts.w2() instanceof QuantizedTensor) {
            throw new IllegalArgumentException("ascend backend: expert w1, w3, w2 must be all quantized or all float");
        }
        AscendTensor w1 = quant ? int8(quantized(experts.w1()).weight()) : floatWeight(experts.w1(), weightDtype);
        AscendTensor w3 = quant ? int8(quantized(experts.w3()).weight()) : floatWeight(experts.w3(), weightDtype);
        AscendTensor fused = interleave(w1, w3, numExperts, (long) inter * hidden * w1.dtype().elemBytes, 2L * inter,
                hidden);
        AscendTensor scale = null;
        if (quant) {
            scale = interleave(f32(quantized(experts.w1()).scale()), f32(quantized(experts.w3()).scale()), numExperts,
                    4L * inter, 2L * inter);
        }
        g = new GateUp(fused, scale);
        packed.put(experts, g);
        return g;
    }

    /** Per expert e: a's block e then b's block e (each {@code block} bytes), as a new tensor of {@code shape} after E. */
    private AscendTensor interleave(AscendTensor a, AscendTensor b, int numExperts, long block, long... shape) {
        long[] full = new long[shape.length + 1];
        full[0] = numExperts;
        System.arraycopy(shape, 0, full, 1, shape.length);
        AscendTensor fused = device.alloc(a.dtype(), full);
        for (int e = 0; e < numExperts; e++) {
            long dst = fused.address() + 2 * e * block;
            long src1 = a.addr() + e * block;
            long src3 = b.addr() + e * block;
            device.run("aclrtMemcpy(D2D) gate_up", () -> AscendNative.tna_copy(device.handle(), dst, src1, block));
            device.run("aclrtMemcpy(D2D) gate_up", () -> AscendNative.tna_copy(device.handle(), dst + block, src3, block));
        }
        return fused;
    }
}
