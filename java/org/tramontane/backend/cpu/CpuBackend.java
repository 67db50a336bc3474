package org.tramontane.backend.cpu;

import static org.tramontane.backend.cpu.CpuChecks.check;
import static org.tramontane.backend.cpu.CpuChecks.checkComputeDtype;
import static org.tramontane.backend.cpu.CpuChecks.cpu;
import static org.tramontane.backend.cpu.CpuChecks.requireF32;
import static org.tramontane.backend.cpu.CpuChecks.requireShape;
import static org.tramontane.backend.cpu.CpuChecks.rowMajor;

import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.tramontane.backend.AttentionBatch;
import org.tramontane.backend.Backend;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.KvCache;
import org.tramontane.backend.KvCacheSpec;
import org.tramontane.backend.QkvLayout;
import org.tramontane.backend.QuantizedTensor;
import org.tramontane.backend.RandomRef;
import org.tramontane.backend.WeightRef;
import org.tramontane.config.ActivationQuant;
import org.tramontane.config.DType;
import org.tramontane.config.Precision;

/**
 * The embedded default backend: the project's C++ kernels (native/cpu), one native call per
 * operation. Shapes are checked here; indices that come from data (token ids, slots, block ids)
 * are checked by the native side, which answers with a status code. Weights at load are
 * {@link CpuWeights}' job; threads, ISA level and probes are {@link CpuPlatform}'s.
 */
public final class CpuBackend implements Backend {
    private final Precision precision;
    private final CpuMemory memory = new CpuMemory();
    private final CpuWeights weights = new CpuWeights(memory);
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

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Precision precision() {
        return precision;
    }

    // ---------------------------------------------------------------- memory and weights

    @Override
    public DeviceTensor allocate(DType dtype, long... shape) {
        return memory.alloc(dtype, shape);
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
        return weights.load(target, parts);
    }

    @Override
    public DeviceTensor forLinear(DeviceTensor weight) {
        return weights.forLinear(weight);
    }

    @Override
    public DeviceTensor quantizedWeight(DeviceTensor int8Weight, DeviceTensor scale, ActivationQuant activation) {
        cpu(int8Weight);
        cpu(scale);
        return new QuantizedTensor(int8Weight, scale, activation);
    }

    @Override
    public DeviceTensor randomWeight(DType target, RandomRef... parts) {
        return weights.random(target, parts);
    }

    @Override
    public DeviceTensor quantizeWeight(DeviceTensor weight, long firstCol, long numCols, ActivationQuant activation) {
        return weights.quantize(weight, firstCol, numCols, activation);
    }

    @Override
    public void quantizeWeightInto(DeviceTensor weight, long firstCol, long numCols, DeviceTensor into, long firstRow) {
        weights.quantizeInto(weight, firstCol, numCols, into, firstRow);
    }

    @Override
    public void write(DeviceTensor dst, int[] src) {
        CpuTensor c = sized(dst, DType.I32, src.length);
        new IntPointer(CpuMemory.raw(c.addr(), src.length)).put(src, 0, src.length);
    }

    @Override
    public void write(DeviceTensor dst, float[] src) {
        CpuTensor c = sized(dst, DType.F32, src.length);
        new FloatPointer(CpuMemory.raw(c.addr(), src.length)).put(src, 0, src.length);
    }

    @Override
    public void read(DeviceTensor src, float[] dst, int length) {
        Objects.checkFromIndexSize(0, length, dst.length);
        CpuTensor c = sized(src, DType.F32, length);
        new FloatPointer(CpuMemory.raw(c.addr(), length)).get(dst, 0, length);
    }

    @Override
    public void read(DeviceTensor src, int[] dst) {
        CpuTensor c = sized(src, DType.I32, dst.length);
        new IntPointer(CpuMemory.raw(c.addr(), dst.length)).get(dst, 0, dst.length);
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
        memory.free(t);
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
        check(CpuNative.tn_linear(cpu(x).addr(), (int) x.rows(), (int) k, CpuWeights.describe(linW1, weight),
                (int) weight.rows(), cpu(out).addr(), roundAct()), "linear");
    }

    private int roundAct() {
        return precision.roundActivations ? 1 : 0;
    }

    @Override
    public void rope(DeviceTensor qkv, QkvLayout layout, AttentionBatch batch, float theta) {
        DeviceTensor positions = batch.positions();
        requireShape(qkv, positions.numElements(), layout.width());
        long base = cpu(qkv).addr();
        check(CpuNative.tn_rope(base, layout.width(), base + 4L * layout.qSize(), layout.width(), cpu(positions).addr(),
                (int) qkv.rows(), layout.numHeads(), layout.numKvHeads(), layout.headDim(), theta), "rope");
    }

    /** Every float dtype, and int8 with per-token, per-head scales (KvCacheSpec). */
    @Override
    public void checkKvCacheDtype(DType dtype) {
        if (dtype != DType.I8 && !dtype.isFloat()) {
            throw new org.tramontane.config.ConfigException("--kv-cache-dtype " + dtype.cliName + " is not a cache type");
        }
    }

    @Override
    public KvCache allocateKvCache(KvCacheSpec spec) {
        if (spec.dtype() == DType.I8) {
            // the int8 cells, then their scales (KvCacheSpec): one flat byte tensor each
            return new KvCache(spec, memory.alloc(DType.I8, spec.tensorBytes()), memory.alloc(DType.I8, spec.tensorBytes()));
        }
        checkComputeDtype(spec.dtype());
        long[] shape = {spec.numBlocks(), spec.blockSize(), spec.numKvHeads(), spec.headDim()};
        return new KvCache(spec, memory.alloc(spec.dtype(), shape), memory.alloc(spec.dtype(), shape));
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
        if (!(experts.w1() instanceof QuantizedTensor)) {
            int code = cpu(experts.w1()).weightCode();
            if (cpu(experts.w3()).weightCode() != code || cpu(experts.w2()).weightCode() != code) {
                throw new IllegalArgumentException("experts must share one layout (all handed to forLinear or none)");
            }
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
                .w_dtype(wd.code).round_act(roundAct());
        long scratchFloats = CpuNative.tn_moe_scratch_floats(moeParams);
        if (moeScratch == null || moeScratch.numElements() < scratchFloats) {
            if (moeScratch != null) free(moeScratch);
            moeScratch = memory.alloc(DType.F32, scratchFloats);
        }
        check(CpuNative.tn_moe_experts(cpu(x).addr(), moeParams, cpu(expertIds).addr(), cpu(routingWeights).addr(),
                CpuWeights.describe(linW1, experts.w1()), CpuWeights.describe(linW3, experts.w3()),
                CpuWeights.describe(linW2, experts.w2()), moeScratch.addr(), cpu(out).addr()), "moe_experts");
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
            Pointer.memcpy(CpuMemory.raw(cpu(out).addr() + i * rowBytes, rowBytes),
                    CpuMemory.raw(cpu(src).addr() + rowIdx[i] * rowBytes, rowBytes), rowBytes);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        memory.close();
        kvLayout.close();
        attnParams.close();
        moeParams.close();
        linW1.close();
        linW3.close();
        linW2.close();
    }
}
