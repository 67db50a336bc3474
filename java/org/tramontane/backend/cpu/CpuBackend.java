package org.tramontane.backend.cpu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.tramontane.config.ActivationQuant;
import org.tramontane.backend.AttentionBatch;
import org.tramontane.backend.Backend;
import org.tramontane.config.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.KvCache;
import org.tramontane.backend.KvCacheSpec;
import org.tramontane.config.Precision;
import org.tramontane.backend.QkvLayout;
import org.tramontane.backend.QuantizedTensor;
import org.tramontane.backend.RandomRef;
import org.tramontane.backend.WeightRef;

/**
 * The embedded default backend: the project's C++ kernels (native/cpu), one native call per
 * operation. Shapes are checked here; indices that come from data (token ids, slots, block ids)
 * are checked by the native side, which answers with a status code.
 */
public final class CpuBackend implements Backend {
    private final Precision precision;
    private final List<CpuTensor> owned = new ArrayList<>();
    private final CpuNative.KvLayout kvLayout = new CpuNative.KvLayout();
    private final CpuNative.AttentionParams attnParams = new CpuNative.AttentionParams();
    private final CpuNative.MoeParams moeParams = new CpuNative.MoeParams();
    private final CpuNative.LinearWeight linW1 = new CpuNative.LinearWeight();
    private final CpuNative.LinearWeight linW3 = new CpuNative.LinearWeight();
    private final CpuNative.LinearWeight linW2 = new CpuNative.LinearWeight();
    private CpuTensor moeScratch;
    private boolean closed;

    public CpuBackend(Precision precision) {
        this.precision = precision;
    }

    /** ISA levels: 0 scalar, 1 AVX2, 2 AVX-512. */
    public static int isaSupported() {
        return CpuNative.tn_isa_supported();
    }

    public static int isaActive() {
        return CpuNative.tn_isa_active();
    }

    public static String isaName(int level) {
        return switch (level) {
            case 0 -> "scalar";
            case 1 -> "avx2";
            case 2 -> "avx512";
            default -> "unknown(" + level + ")";
        };
    }

    /** Forces an ISA level (tests, {@code tramontane.cpu.isa}); must be <= supported. */
    public static void forceIsa(int level) {
        if (CpuNative.tn_set_isa(level) < 0) {
            throw new IllegalArgumentException("ISA level " + isaName(level) + " is not supported by this CPU"
                    + " (highest: " + isaName(isaSupported()) + ")");
        }
    }

    public static int setThreads(int numThreads) {
        return CpuNative.tn_set_threads(numThreads);
    }

    public static int threads() {
        return CpuNative.tn_num_threads();
    }

    /** The instruction families {@link #peakOpsPerSecond} can measure. */
    public enum Peak {
        /** f32 fused multiply-add (AVX2 ymm / AVX-512 zmm, whichever the active level uses). */
        FP32_FMA(CpuNative.TN_PEAK_FP32_FMA),
        /** AVX512-BF16 vdpbf16ps. */
        BF16_DOT(CpuNative.TN_PEAK_BF16_DOT),
        /** VNNI vpdpbusd (AVX512-VNNI, else AVX-VNNI); a multiply and an add per int8 product. */
        INT8_VNNI(CpuNative.TN_PEAK_INT8_VNNI);

        final int code;

        Peak(int code) {
            this.code = code;
        }
    }

    /**
     * Peak rate of one instruction family on every pool thread at once (register-only loops),
     * best of {@code repeats} runs of about {@code millis} ms; empty when the CPU lacks it.
     */
    public static java.util.OptionalDouble peakOpsPerSecond(Peak kind, int millis, int repeats) {
        double[] v = new double[1];
        check(CpuNative.tn_probe_peak(kind.code, millis, repeats, v), "probe_peak");
        return v[0] > 0 ? java.util.OptionalDouble.of(v[0]) : java.util.OptionalDouble.empty();
    }

    /** Read bandwidth in bytes/s of every pool thread streaming a fresh array of {@code bytes}, best of repeats. */
    public static double readBandwidth(long bytes, int repeats) {
        double[] v = new double[1];
        check(CpuNative.tn_probe_read_bandwidth(bytes, repeats, v), "probe_read_bandwidth");
        return v[0];
    }

    /** Running total of weight bytes the linear, MoE and embedding kernels have streamed. */
    public static long weightBytesRead() {
        return CpuNative.tn_weight_bytes_read();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Precision precision() {
        return precision;
    }

    // ---------------------------------------------------------------- memory

    @Override
    public DeviceTensor allocate(DType dtype, long... shape) {
        return alloc(dtype, shape);
    }

    private CpuTensor alloc(DType dtype, long... shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        long bytes = Math.multiplyExact(n, (long) dtype.elemBytes);
        long addr = CpuNative.tn_alloc(bytes);
        if (addr == 0) throw new OutOfMemoryError("native allocation of " + bytes + " bytes failed");
        CpuTensor t = new CpuTensor(dtype, shape, addr, true);
        owned.add(t);
        return t;
    }

    @Override
    public DeviceTensor reshape(DeviceTensor t, long... shape) {
        CpuTensor c = rowMajor(t, "reshape");
        long n = 1;
        for (long d : shape) n *= d;
        if (n != c.numElements()) {
            throw new IllegalArgumentException("cannot reshape " + c + " to " + Arrays.toString(shape));
        }
        return new CpuTensor(c.dtype(), shape, c.addr(), false);
    }

    @Override
    public DeviceTensor firstRows(DeviceTensor t, long rows) {
        CpuTensor c = rowMajor(t, "view rows of");
        if (rows < 0 || rows > c.rows()) {
            throw new IllegalArgumentException("view of " + rows + " rows of " + c);
        }
        long[] s = c.shape().clone();
        s[0] = rows;
        return new CpuTensor(c.dtype(), s, c.addr(), false);
    }

    @Override
    public DeviceTensor loadWeight(DType target, WeightRef... parts) {
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
        CpuTensor out = alloc(target, shape);
        // Parts are often many slices of one file (a row-parallel shard is one part per row):
        // each file is mapped once per call.
        Map<Path, long[]> maps = new HashMap<>();
        try {
            long dstOffset = 0;
            for (WeightRef p : parts) {
                long[] m = maps.computeIfAbsent(p.file(), CpuBackend::mapFile);
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

    /**
     * Weights go into the panel layout of the linear kernels (tn_pack_panels: each 16 rows as one
     * k-major block, read as one stream by an outer-product kernel for any number of tokens), in
     * place, expert by expert for a 3-D weight: float weights, and int8 ones that take int8
     * activations (W8A8 dynamic) with an even k; W8A16 int8 weights stay row-major.
     */
    @Override
    public DeviceTensor forLinear(DeviceTensor weight) {
        if (weight instanceof QuantizedTensor q) {
            long k = q.shape()[q.shape().length - 1];
            if (q.activation() != ActivationQuant.INT8_PER_TOKEN || k % 2 != 0) return q;
            return new QuantizedTensor(panels(q.weight()), q.scale(), q.activation());
        }
        checkComputeDtype(weight.dtype());
        return panels(weight);
    }

    private CpuTensor panels(DeviceTensor weight) {
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

    @Override
    public DeviceTensor quantizedWeight(DeviceTensor int8Weight, DeviceTensor scale, ActivationQuant activation) {
        cpu(int8Weight);
        cpu(scale);
        return new QuantizedTensor(int8Weight, scale, activation);
    }

    /** Float dtypes convert into each other; int8 weights are only copied. */
    private static void checkLoadable(DType source, DType target) {
        if (target == DType.I8 && source == DType.I8) return;
        checkComputeDtype(source);
        checkComputeDtype(target);
    }

    private static void checkComputeDtype(DType d) {
        if (!d.isFloat()) {
            throw new org.tramontane.config.ConfigException(d + " weights are not supported by the cpu backend yet");
        }
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
            Pointer.memcpy(new Raw(dst, p.byteLength()), new Raw(base + p.dataOffset(), p.byteLength()), p.byteLength());
        } else {
            check(CpuNative.tn_convert(base + p.dataOffset(), p.dtype().code, dst, target.code, p.numElements()),
                    "convert");
        }
    }

    @Override
    public DeviceTensor randomWeight(DType target, RandomRef... parts) {
        checkComputeDtype(target);
        CpuTensor t = alloc(target, RandomRef.stackedShape(parts));
        long dst = t.addr();
        for (RandomRef.Runs r : RandomRef.runs(parts)) {
            check(CpuNative.tn_fill_random_runs(dst, target.code, r.seed(), r.scale(), r.starts(), r.starts().length,
                    r.runElems()), "fill_random_runs");
            dst += r.numElements() * target.elemBytes;
        }
        return t;
    }

    @Override
    public DeviceTensor quantizeWeight(DeviceTensor weight, long firstCol, long numCols, ActivationQuant activation) {
        requireF32(weight);
        long[] shape = weight.shape();
        long k = shape[shape.length - 1];
        long rows = weight.numElements() / k;
        if (firstCol < 0 || numCols < 1 || firstCol + numCols > k) {
            throw new IllegalArgumentException("columns [" + firstCol + ", " + (firstCol + numCols) + ") of " + weight);
        }
        long[] qShape = shape.clone();
        qShape[qShape.length - 1] = numCols;
        CpuTensor q = alloc(DType.I8, qShape);
        CpuTensor s = alloc(DType.F32, Arrays.copyOf(shape, shape.length - 1));
        if (CpuNative.tn_quantize_weight(cpu(weight).addr(), rows, k, firstCol, numCols, q.addr(), s.addr())
                != CpuNative.TN_OK) {
            free(q);
            free(s);
            throw new IllegalArgumentException("cannot quantize " + weight + ": it holds a NaN or an infinity");
        }
        return new QuantizedTensor(q, s, activation);
    }

    @Override
    public void write(DeviceTensor dst, int[] src) {
        CpuTensor c = sized(dst, DType.I32, src.length);
        new IntPointer(new Raw(c.addr(), src.length)).put(src, 0, src.length);
    }

    @Override
    public void write(DeviceTensor dst, float[] src) {
        CpuTensor c = sized(dst, DType.F32, src.length);
        new FloatPointer(new Raw(c.addr(), src.length)).put(src, 0, src.length);
    }

    @Override
    public void read(DeviceTensor src, float[] dst, int length) {
        Objects.checkFromIndexSize(0, length, dst.length);
        CpuTensor c = sized(src, DType.F32, length);
        new FloatPointer(new Raw(c.addr(), length)).get(dst, 0, length);
    }

    @Override
    public void read(DeviceTensor src, int[] dst) {
        CpuTensor c = sized(src, DType.I32, dst.length);
        new IntPointer(new Raw(c.addr(), dst.length)).get(dst, 0, dst.length);
    }

    /** Host copies: the tensor has the host array's element type and room for {@code count} elements. */
    private static CpuTensor sized(DeviceTensor t, DType dtype, int count) {
        CpuTensor c = rowMajor(t, "copy");
        if (c.dtype() != dtype || c.numElements() < count) {
            throw new IllegalArgumentException("host copy of " + count + " " + dtype + " elements with " + c);
        }
        return c;
    }

    @Override
    public void free(DeviceTensor t) {
        CpuTensor c = cpu(t);
        if (!c.owner()) return;
        if (owned.remove(c)) {
            CpuNative.tn_free(c.addr());
            c.markFreed();
        }
    }

    // ---------------------------------------------------------------- operations

    @Override
    public void embedding(DeviceTensor table, DeviceTensor ids, DeviceTensor out) {
        long n = ids.numElements();
        long hidden = table.rowElems();
        requireShape(out, n, hidden);
        check(CpuNative.tn_embedding(rowMajor(table, "look up rows of").addr(), table.dtype().code, table.rows(),
                (int) hidden, cpu(ids).addr(), (int) n, cpu(out).addr()), "embedding");
    }

    @Override
    public void rmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor out) {
        requireF32(x, weight, out);
        long dim = x.rowElems();
        if (weight.numElements() != dim) throw new IllegalArgumentException("rmsNorm weight " + weight + " vs " + x);
        requireShape(out, x.rows(), dim);
        check(CpuNative.tn_rms_norm(cpu(x).addr(), cpu(weight).addr(), cpu(out).addr(), (int) x.rows(), (int) dim, eps),
                "rms_norm");
    }

    @Override
    public void linear(DeviceTensor x, DeviceTensor weight, DeviceTensor out) {
        requireF32(x, out);
        long k = x.rowElems();
        if (weight.rowElems() != k) {
            throw new IllegalArgumentException("linear " + x + " x " + weight + ": inner dimensions differ");
        }
        requireShape(out, x.rows(), weight.rows());
        if (weight instanceof QuantizedTensor q) {
            check(CpuNative.tn_linear_w(cpu(x).addr(), (int) x.rows(), (int) k, linearWeight(linW1, q), (int) q.rows(),
                    cpu(out).addr(), roundAct()), "linear_w");
            return;
        }
        check(CpuNative.tn_linear(cpu(x).addr(), (int) x.rows(), (int) k, cpu(weight).addr(), cpu(weight).weightCode(),
                (int) weight.rows(), cpu(out).addr(), roundAct()), "linear");
    }

    /** Fills a native weight descriptor (float tensors: no scale). */
    private static CpuNative.LinearWeight linearWeight(CpuNative.LinearWeight into, DeviceTensor t) {
        if (t instanceof QuantizedTensor q) {
            return into.w(cpu(q.weight()).addr()).scale(cpu(q.scale()).addr()).dtype(cpu(q.weight()).weightCode())
                    .act_quant(q.activation().code);
        }
        return into.w(cpu(t).addr()).scale(0L).dtype(cpu(t).weightCode()).act_quant(ActivationQuant.NONE.code);
    }

    private int roundAct() {
        return precision.roundActivations ? 1 : 0;
    }

    @Override
    public void rope(DeviceTensor qkv, QkvLayout layout, DeviceTensor positions, float theta) {
        requireShape(qkv, positions.numElements(), layout.width());
        long base = cpu(qkv).addr();
        check(CpuNative.tn_rope(base, layout.width(), base + 4L * layout.qSize(), layout.width(), cpu(positions).addr(),
                (int) qkv.rows(), layout.numHeads(), layout.numKvHeads(), layout.headDim(), theta), "rope");
    }

    @Override
    public KvCache allocateKvCache(KvCacheSpec spec) {
        checkComputeDtype(spec.dtype());
        long[] shape = {spec.numBlocks(), spec.blockSize(), spec.numKvHeads(), spec.headDim()};
        return new KvCache(spec, alloc(spec.dtype(), shape), alloc(spec.dtype(), shape));
    }

    private CpuNative.KvLayout layout(KvCache cache, QkvLayout qkv) {
        KvCacheSpec s = cache.spec();
        if (s.numKvHeads() != qkv.numKvHeads() || s.headDim() != qkv.headDim()) {
            throw new IllegalArgumentException("KV cache " + s + " does not fit " + qkv);
        }
        return kvLayout.num_blocks(s.numBlocks()).block_size(s.blockSize()).num_kv_heads(s.numKvHeads())
                .head_dim(s.headDim()).dtype(s.dtype().code);
    }

    @Override
    public void reshapeAndCache(DeviceTensor qkv, QkvLayout layout, KvCache cache, AttentionBatch batch) {
        requireShape(qkv, batch.numTokens(), layout.width());
        long base = cpu(qkv).addr();
        long k = base + 4L * layout.qSize();
        long v = k + 4L * layout.kvSize();
        check(CpuNative.tn_reshape_and_cache(k, layout.width(), v, layout.width(), batch.numTokens(),
                cpu(batch.slotMapping()).addr(), cpu(cache.keys()).addr(), cpu(cache.values()).addr(),
                layout(cache, layout)), "reshape_and_cache");
    }

    @Override
    public void pagedAttention(DeviceTensor qkv, QkvLayout layout, KvCache cache, AttentionBatch batch, int window,
            DeviceTensor out) {
        requireShape(qkv, batch.numTokens(), layout.width());
        requireShape(out, batch.numTokens(), layout.qSize());
        requireShape(batch.blockTables(), batch.numSeqs(), batch.maxBlocksPerSeq());
        attnParams.num_tokens(batch.numTokens()).num_seqs(batch.numSeqs()).num_heads(layout.numHeads())
                .max_blocks_per_seq(batch.maxBlocksPerSeq()).window(window)
                .scale((float) (1.0 / Math.sqrt(layout.headDim())));
        check(CpuNative.tn_paged_attention(cpu(qkv).addr(), layout.width(), cpu(cache.keys()).addr(),
                cpu(cache.values()).addr(), layout(cache, layout), attnParams, cpu(batch.seqIdx()).addr(),
                cpu(batch.positions()).addr(), cpu(batch.blockTables()).addr(), cpu(out).addr()), "paged_attention");
    }

    @Override
    public void moeGate(DeviceTensor x, DeviceTensor gate, DeviceTensor expertIds, DeviceTensor routingWeights) {
        requireF32(x, gate, routingWeights);
        long topK = expertIds.rowElems();
        requireShape(expertIds, x.rows(), topK);
        requireShape(routingWeights, x.rows(), topK);
        check(CpuNative.tn_moe_gate(cpu(x).addr(), cpu(gate).addr(), (int) x.rows(), (int) x.rowElems(),
                (int) gate.rows(), (int) topK, cpu(expertIds).addr(), cpu(routingWeights).addr(), 0L), "moe_gate");
    }

    @Override
    public void moeExperts(DeviceTensor x, ExpertWeights experts, DeviceTensor expertIds,
            DeviceTensor routingWeights, DeviceTensor out) {
        requireF32(x, out);
        long[] w1 = experts.w1().shape();
        DType wd = experts.w1().dtype();
        if (experts.w3().dtype() != wd || experts.w2().dtype() != wd) {
            throw new IllegalArgumentException("experts must share one dtype");
        }
        boolean quantized = experts.w1() instanceof QuantizedTensor;
        int code = quantized ? wd.code : cpu(experts.w1()).weightCode();
        if (!quantized && (cpu(experts.w3()).weightCode() != code || cpu(experts.w2()).weightCode() != code)) {
            throw new IllegalArgumentException("experts must share one layout (all handed to forLinear or none)");
        }
        int numExperts = (int) w1[0];
        int inter = (int) w1[1];
        int hidden = (int) w1[2];
        requireShape(experts.w3(), numExperts, inter, hidden);
        requireShape(experts.w2(), numExperts, hidden, inter);
        requireShape(x, x.rows(), hidden);
        requireShape(out, x.rows(), hidden);
        int topK = (int) expertIds.rowElems();
        moeParams.num_tokens((int) x.rows()).hidden(hidden).inter(inter).num_experts(numExperts).top_k(topK)
                .w_dtype(code).round_act(roundAct());
        long scratchFloats = quantized ? CpuNative.tn_moe_w_scratch_floats(moeParams)
                : CpuNative.tn_moe_scratch_floats(moeParams);
        if (moeScratch == null || moeScratch.numElements() < scratchFloats) {
            if (moeScratch != null) free(moeScratch);
            moeScratch = alloc(DType.F32, scratchFloats);
        }
        if (quantized) {
            check(CpuNative.tn_moe_experts_w(cpu(x).addr(), moeParams, cpu(expertIds).addr(),
                    cpu(routingWeights).addr(), linearWeight(linW1, experts.w1()), linearWeight(linW3, experts.w3()),
                    linearWeight(linW2, experts.w2()), moeScratch.addr(), cpu(out).addr()), "moe_experts_w");
            return;
        }
        check(CpuNative.tn_moe_experts(cpu(x).addr(), moeParams, cpu(expertIds).addr(), cpu(routingWeights).addr(),
                cpu(experts.w1()).addr(), cpu(experts.w3()).addr(), cpu(experts.w2()).addr(), moeScratch.addr(),
                cpu(out).addr()), "moe_experts");
    }

    @Override
    public void add(DeviceTensor y, DeviceTensor x) {
        requireF32(y, x);
        if (y.numElements() != x.numElements()) throw new IllegalArgumentException("add " + y + " + " + x);
        check(CpuNative.tn_add(cpu(y).addr(), cpu(x).addr(), y.numElements()), "add");
    }

    @Override
    public void gatherRows(DeviceTensor src, int[] rowIdx, DeviceTensor out) {
        requireF32(src, out);
        long cols = src.rowElems();
        requireShape(out, rowIdx.length, cols);
        long rowBytes = cols * 4;
        for (int i = 0; i < rowIdx.length; i++) {
            if (rowIdx[i] < 0 || rowIdx[i] >= src.rows()) {
                throw new IndexOutOfBoundsException("row " + rowIdx[i] + " of " + src);
            }
            Pointer.memcpy(new Raw(cpu(out).addr() + i * rowBytes, rowBytes),
                    new Raw(cpu(src).addr() + rowIdx[i] * rowBytes, rowBytes), rowBytes);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (CpuTensor t : owned) {
            CpuNative.tn_free(t.address());
            t.markFreed();
        }
        owned.clear();
        kvLayout.close();
        attnParams.close();
        moeParams.close();
        linW1.close();
        linW3.close();
        linW2.close();
    }

    // ---------------------------------------------------------------- checks

    private static CpuTensor cpu(DeviceTensor t) {
        if (t instanceof CpuTensor c) return c;
        throw new IllegalArgumentException("tensor " + t + " does not belong to the cpu backend");
    }

    /** A tensor read or viewed as row-major: not one laid out for the linear kernels. */
    private static CpuTensor rowMajor(DeviceTensor t, String op) {
        CpuTensor c = cpu(t);
        if (c.panels()) {
            throw new IllegalArgumentException("cannot " + op + " " + c + ": only linear operations read it");
        }
        return c;
    }

    private static void requireF32(DeviceTensor... ts) {
        for (DeviceTensor t : ts) {
            if (t.dtype() != DType.F32) throw new IllegalArgumentException("expected an f32 tensor, got " + t);
        }
    }

    private static void requireShape(DeviceTensor t, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        if (t.numElements() != n || t.rows() != dims[0]) {
            throw new IllegalArgumentException("tensor " + t + " should be " + Arrays.toString(dims));
        }
    }

    private static void check(int status, String op) {
        if (status == CpuNative.TN_OK) return;
        String why = switch (status) {
            case CpuNative.TN_E_ARG -> "invalid argument";
            case CpuNative.TN_E_INDEX -> "index out of range";
            default -> "status " + status;
        };
        throw new IllegalStateException("native " + op + " failed: " + why);
    }

    /** A non-owning JavaCPP view of native memory at a raw address (for host copies). */
    private static final class Raw extends Pointer {
        Raw(long address, long limit) {
            this.address = address;
            this.limit = limit;
            this.capacity = limit;
        }
    }
}
