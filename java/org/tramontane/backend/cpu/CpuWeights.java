package org.tramontane.backend.cpu;

import static org.tramontane.backend.cpu.CpuChecks.check;
import static org.tramontane.backend.cpu.CpuChecks.checkComputeDtype;
import static org.tramontane.backend.cpu.CpuChecks.cpu;
import static org.tramontane.backend.cpu.CpuChecks.rowMajor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.QuantizedTensor;
import org.tramontane.backend.RandomRef;
import org.tramontane.backend.WeightRef;
import org.tramontane.config.ActivationQuant;
import org.tramontane.config.DType;

/**
 * Weights at load: read from memory-mapped checkpoint files or generated, quantized, and laid out
 * for the linear kernels. The operations that read them are in {@link CpuBackend}.
 */
final class CpuWeights {
    private final CpuMemory memory;

    CpuWeights(CpuMemory memory) {
        this.memory = memory;
    }

    /** The parts stacked along their first dimension, converted to {@code target}. */
    CpuTensor load(DType target, WeightRef... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("no weight parts");
        long[] trailing = Arrays.copyOfRange(parts[0].shape(), 1, parts[0].shape().length);
        long rows = 0;
        for (WeightRef p : parts) {
            if (!Arrays.equals(trailing, Arrays.copyOfRange(p.shape(), 1, p.shape().length))) {
                throw new IllegalArgumentException("cannot stack " + Arrays.toString(p.shape())
                        + " under " + Arrays.toString(parts[0].shape()));
            }
            checkLoadable(p.dtype(), target);
            rows += p.shape()[0];
        }
        long[] shape = parts[0].shape().clone();
        shape[0] = rows;
        CpuTensor out = memory.alloc(target, shape);
        // Parts are often many slices of one file (a row-parallel shard is one part per row):
        // each file is mapped once per call.
        Map<Path, long[]> maps = new HashMap<>();
        try {
            long dstOffset = 0;
            for (WeightRef p : parts) {
                long[] m = maps.computeIfAbsent(p.file(), CpuWeights::mapFile);
                copyFromMap(p, m[0], m[1], out.addr() + dstOffset * target.elemBytes, target);
                dstOffset += p.numElements();
            }
        } finally {
            for (long[] m : maps.values()) CpuNative.tn_unmap(m[0], m[1]);
        }
        return out;
    }

    private static long[] mapFile(Path file) {
        long[] len = new long[1];
        long base = CpuNative.tn_map_file(file.toString(), len);
        if (base == 0) throw new IllegalStateException(file + ": cannot map file");
        return new long[] {base, len[0]};
    }

    /** Float dtypes convert into each other; int8 weights are only copied. */
    private static void checkLoadable(DType source, DType target) {
        if (target == DType.I8 && source == DType.I8) return;
        checkComputeDtype(source);
        checkComputeDtype(target);
    }

    /** Converts one tensor's bytes from a native mapping of its file (no 2 GiB limit) into dst. */
    private static void copyFromMap(WeightRef p, long base, long fileLen, long dst, DType target) {
        long expected = Math.multiplyExact(p.numElements(), (long) p.dtype().elemBytes);
        if (p.byteLength() != expected) {
            throw new IllegalArgumentException(p.file() + ": tensor byte length " + p.byteLength()
                    + " does not match " + p.dtype() + " x " + Arrays.toString(p.shape()));
        }
        if (p.dataOffset() < 0 || p.dataOffset() + p.byteLength() > fileLen) {
            throw new IllegalArgumentException(p.file() + ": tensor data [" + p.dataOffset() + ", "
                    + (p.dataOffset() + p.byteLength()) + ") lies outside the file (" + fileLen + " bytes)");
        }
        if (p.dtype() == target) {
            Pointer.memcpy(CpuMemory.raw(dst, p.byteLength()), CpuMemory.raw(base + p.dataOffset(), p.byteLength()),
                    p.byteLength());
        } else {
            check(CpuNative.tn_convert(base + p.dataOffset(), p.dtype().code, dst, target.code, p.numElements()),
                    "convert");
        }
    }

    /** Deterministic dummy weights: each part its slice of the full tensor's values. */
    CpuTensor random(DType target, RandomRef... parts) {
        checkComputeDtype(target);
        CpuTensor t = memory.alloc(target, RandomRef.stackedShape(parts));
        long dst = t.addr();
        for (RandomRef.Runs r : RandomRef.runs(parts)) {
            check(CpuNative.tn_fill_random_runs(dst, target.code, r.seed(), r.scale(), r.starts(), r.starts().length,
                    r.runElems()), "fill_random_runs");
            dst += r.numElements() * target.elemBytes;
        }
        return t;
    }

    /** Columns [firstCol, firstCol + numCols) of an f32 weight as symmetric per-row int8. */
    QuantizedTensor quantize(DeviceTensor weight, long firstCol, long numCols, ActivationQuant activation) {
        CpuChecks.requireF32(weight);
        long[] shape = weight.shape();
        long[] qShape = shape.clone();
        qShape[qShape.length - 1] = numCols;
        CpuTensor q = memory.alloc(DType.I8, qShape);
        CpuTensor s = memory.alloc(DType.F32, Arrays.copyOf(shape, shape.length - 1));
        try {
            quantizeRows(weight, firstCol, numCols, q.addr(), s.addr());
        } catch (IllegalArgumentException e) {
            memory.free(q);
            memory.free(s);
            throw e;
        }
        return new QuantizedTensor(q, s, activation);
    }

    /** The same into rows [firstRow, firstRow + rows of weight) of {@code into} (int8 [n, numCols], scales [n]). */
    void quantizeInto(DeviceTensor weight, long firstCol, long numCols, DeviceTensor into, long firstRow) {
        CpuChecks.requireF32(weight);
        if (!(into instanceof QuantizedTensor dst)) throw new IllegalArgumentException("not a quantized weight: " + into);
        CpuTensor q = rowMajor(dst.weight(), "quantize into");
        CpuTensor s = cpu(dst.scale());
        CpuChecks.requireF32(s);
        if (q.dtype() != DType.I8) throw new IllegalArgumentException("expected int8 values, got " + q);
        long[] w = weight.shape();
        long rows = weight.numElements() / w[w.length - 1];
        long[] qs = q.shape();
        if (qs[qs.length - 1] != numCols || firstRow < 0 || firstRow + rows > q.numElements() / numCols
                || s.numElements() != q.numElements() / numCols) {
            throw new IllegalArgumentException("rows [" + firstRow + ", " + (firstRow + rows) + ") x " + numCols
                    + " columns do not fit " + into);
        }
        quantizeRows(weight, firstCol, numCols, q.addr() + firstRow * numCols, s.addr() + firstRow * Float.BYTES);
    }

    private static void quantizeRows(DeviceTensor weight, long firstCol, long numCols, long qAddr, long scaleAddr) {
        long[] shape = weight.shape();
        long k = shape[shape.length - 1];
        long rows = weight.numElements() / k;
        if (firstCol < 0 || numCols < 1 || firstCol + numCols > k) {
            throw new IllegalArgumentException("columns [" + firstCol + ", " + (firstCol + numCols) + ") of " + weight);
        }
        if (CpuNative.tn_quantize_weight(cpu(weight).addr(), rows, k, firstCol, numCols, qAddr, scaleAddr) != CpuNative.TN_OK) {
            throw new IllegalArgumentException("cannot quantize " + weight + ": it holds a NaN or an infinity");
        }
    }

    /**
     * Weights go into the panel layout of the linear kernels (tn_pack_panels: each 16 rows as one
     * k-major block, read as one stream by an outer-product kernel for any number of tokens), in
     * place, expert by expert for a 3-D weight: float weights, and int8 ones that take int8
     * activations (W8A8 dynamic) with an even k; W8A16 int8 weights stay row-major.
     */
    DeviceTensor forLinear(DeviceTensor weight) {
        if (weight instanceof QuantizedTensor q) {
            long k = q.shape()[q.shape().length - 1];
            if (q.activation() != ActivationQuant.INT8_PER_TOKEN || k % 2 != 0) return q;
            return new QuantizedTensor(tuned(panels(q.weight())), q.scale(), q.activation());
        }
        checkComputeDtype(weight.dtype());
        return tuned(panels(weight));
    }

    /**
     * The decode streams of the panel weight's shape chosen for this machine (CpuTuner), if not yet;
     * the timing runs read the backend's weights (all loaded by now: laying out is the last step).
     */
    private CpuTensor tuned(CpuTensor panels) {
        CpuTuner.get().prepare(panels, memory.regions());
        return panels;
    }

    private static CpuTensor panels(DeviceTensor weight) {
        CpuTensor c = rowMajor(weight, "lay out");
        long[] s = c.shape();
        if (s.length < 2 || s.length > 3) {
            throw new IllegalArgumentException("linear weight " + c + " is not 2-D or 3-D");
        }
        long batch = s.length == 3 ? s[0] : 1;
        long addr = c.addr();
        check(CpuNative.tn_pack_panels(addr, c.dtype().code, batch, s[s.length - 2], s[s.length - 1]), "pack_panels");
        // Handed over: the row-major tensor refuses further use (its bytes are the panels now);
        // the allocation stays owned by the backend and is released at close.
        c.markFreed();
        return new CpuTensor(c.dtype(), s, addr, false, true);
    }

    /** A linear weight's native descriptor: float (no scale) or int8 with its per-row scales. */
    static CpuNative.LinearWeight describe(CpuNative.LinearWeight into, DeviceTensor t) {
        if (t instanceof QuantizedTensor q) {
            return into.w(cpu(q.weight()).addr()).scale(cpu(q.scale()).addr()).dtype(cpu(q.weight()).weightCode())
                    .act_quant(q.activation().code);
        }
        return into.w(cpu(t).addr()).scale(0L).dtype(cpu(t).weightCode()).act_quant(ActivationQuant.NONE.code);
    }
}
