package org.tramontane.backend.ascend;

import static org.tramontane.backend.ascend.AscendTensors.aclType;
import static org.tramontane.backend.ascend.AscendTensors.asc;
import static org.tramontane.backend.ascend.AscendTensors.f32;
import static org.tramontane.backend.ascend.AscendTensors.floating;
import static org.tramontane.backend.ascend.AscendTensors.int8;
import static org.tramontane.backend.ascend.AscendTensors.ofType;
import static org.tramontane.backend.ascend.AscendTensors.quantized;
import static org.tramontane.backend.ascend.AscendTensors.requireShape;
import static org.tramontane.backend.ascend.AscendTensors.sized;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tramontane.backend.AttentionBatch;
import org.tramontane.backend.AttentionMetadata;
import org.tramontane.backend.Backend;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.HostCollectives;
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
 * The Ascend NPU backend: each {@link Backend} call is one facade call (native/ascend/facade) that
 * queues the ATB / aclnn operations MindIE runs for it, in fp16 (or bf16) on the device's stream;
 * the stream is synchronised only when the host reads device memory (the step's logits) or writes
 * memory queued work still uses. Activations are in the compute dtype ({@link #activationDtype});
 * an f32 activation handed in is cast on the way. All native work runs on the {@link AscendDevice}'s own thread;
 * a tensor-parallel rank also holds its place in the HCCL group ({@link HcclRank}). Built against
 * the simulator (native/ascend/sim) unless the jar was built with the {@code ascend} Maven profile.
 */
public final class AscendBackend implements Backend {
    private final Precision precision;
    private final boolean simulator;
    private final int cd;  // the compute dtype as an aclDataType
    private final AscendDevice device;
    private final long dev;
    private final RopeTables rope;
    private final GateUpPacking gateUp;
    private HcclRank hccl;  // null outside a group made by openGroup
    // what the group's stop runs on this rank's thread when this rank failed (enter)
    private final Runnable releaseGroup = () -> {
        if (hccl != null) hccl.destroy();
    };
    // compute-dtype copies of f32 weights the operations read in the compute dtype (norms, router),
    // by the weight's address: cast once instead of in every call
    private final Map<Long, AscendTensor> computeCopies = new HashMap<>();
    private final boolean printCounters = DeviceCounters.printing();
    private DeviceCounters atLastStep;  // the counters when the last forward step ended (printCounters)
    private long steps;
    // the step whose attention runs were planned last (every layer of a step shares its metadata)
    private AttentionMetadata plannedMeta;
    private int plannedWindow;
    private int plannedBlockSize;
    private int plannedHeadDim;
    private List<AttentionPlan.Run> plannedRuns;
    private boolean closed;

    /** {@code --backend ascend} (real device) or {@code ascend-sim} (the CPU simulator). */
    public static AscendBackend open(Precision precision, boolean simulator) {
        return new AscendBackend(precision, simulator);
    }

    private AscendBackend(Precision precision, boolean simulator) {
        if (precision != Precision.FP16 && precision != Precision.BF16) {
            throw new AscendException("--backend " + (simulator ? "ascend-sim" : "ascend")
                    + " computes in fp16 or bf16 as the NPU does; --dtype " + precision.weightDtype.cliName
                    + " is not supported (use --dtype fp16)");
        }
        this.precision = precision;
        this.simulator = simulator;
        this.cd = AscendTensors.aclType(precision.weightDtype);
        this.device = AscendDevice.open(simulator);
        this.dev = device.handle();
        this.rope = new RopeTables(device, precision.weightDtype);
        this.gateUp = new GateUpPacking(device, precision.weightDtype);
    }

    /**
     * The backends of one tensor-parallel group, rank r on device r's own thread, joined in one HCCL
     * group ({@link HcclRank#join}). {@code execTimeoutSeconds} bounds how long a rank waits for the
     * others in a collective. The collectives are ATB's AllReduce / AllGather with the backend
     * {@link CommBackend#fromEnvironment} picks from this process's environment.
     */
    public static List<AscendBackend> openGroup(Precision precision, boolean simulator, int worldSize,
            long execTimeoutSeconds) {
        return openGroup(precision, simulator, worldSize, execTimeoutSeconds, CommBackend.fromEnvironment(System.getenv()));
    }

    /** As {@link #openGroup(Precision, boolean, int, long)}, with ATB's collective backend given. */
    public static List<AscendBackend> openGroup(Precision precision, boolean simulator, int worldSize,
            long execTimeoutSeconds, CommBackend commBackend) {
        List<AscendBackend> group = new ArrayList<>();
        try {
            for (int r = 0; r < worldSize; r++) group.add(new AscendBackend(precision, simulator));
            if (worldSize > 1) {
                List<HcclRank> ranks = HcclRank.join(group.stream().map(b -> b.device).toList(),
                        (int) Math.min(Integer.MAX_VALUE, execTimeoutSeconds), commBackend);
                for (int r = 0; r < worldSize; r++) group.get(r).hccl = ranks.get(r);
            }
            return group;
        } catch (RuntimeException e) {
            for (AscendBackend b : group) {
                try {
                    b.close();
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    @Override
    public String name() {
        return simulator ? "ascend-sim" : "ascend";
    }

    @Override
    public Precision precision() {
        return precision;
    }

    /** fp16 or bf16: the only activation dtypes ATB's and aclnn's operations take. */
    @Override
    public DType activationDtype() {
        return precision.weightDtype;
    }

    /** The device this backend drives (for tests that call the facade on its thread themselves). */
    AscendDevice device() {
        return device;
    }

    /** This rank's place in its HCCL group, or null outside a group. */
    HcclRank hccl() {
        return hccl;
    }

    // ---------------------------------------------------------------- memory

    @Override
    public DeviceTensor allocate(DType dtype, long... shape) {
        AscendTensor t = device.alloc(dtype, shape);
        device.run("aclrtMemset", () -> AscendNative.tna_memset_zero(dev, t.address(), t.bytes()));
        return t;
    }

    @Override
    public DeviceTensor reshape(DeviceTensor t, long... shape) {
        return asc(t).reshaped(shape);
    }

    @Override
    public DeviceTensor firstRows(DeviceTensor t, long rows) {
        return asc(t).firstRows(rows);
    }

    @Override
    public DeviceTensor loadWeight(DType target, WeightRef... parts) {
        return WeightStaging.load(device, target, parts);
    }

    /**
     * W8A8 dynamic (int8 weights, per-token int8 activations) runs through aclnnDynamicQuant +
     * aclnnQuantMatmulV4 / GroupedMatmulV4 as MindIE does; weight-only int8 (W8A16) is not bound yet.
     */
    @Override
    public DeviceTensor quantizedWeight(DeviceTensor int8Weight, DeviceTensor scale, ActivationQuant activation) {
        if (activation != ActivationQuant.INT8_PER_TOKEN) {
            throw new AscendException("ascend backend: " + activation + " quantized weights (W8A16) are not supported yet;"
                    + " W8A8 dynamic is");
        }
        asc(int8Weight);
        f32(scale);
        return new QuantizedTensor(int8Weight, scale, activation);
    }

    @Override
    public DeviceTensor randomWeight(DType target, RandomRef... parts) {
        return WeightStaging.random(device, target, parts);
    }

    /** Quantizing at load runs on the host in the cpu backend only; quantize offline for ascend. */
    @Override
    public DeviceTensor quantizeWeight(DeviceTensor weight, long firstCol, long numCols, ActivationQuant activation) {
        throw quantizingAtLoad();
    }

    @Override
    public void quantizeWeightInto(DeviceTensor weight, long firstCol, long numCols, DeviceTensor into, long firstRow) {
        throw quantizingAtLoad();
    }

    private static AscendException quantizingAtLoad() {
        return new AscendException("ascend backend: quantizing weights at load (--quantize) is not"
                + " supported yet; quantize the checkpoint with `tramontane quantize` and load that");
    }

    @Override
    public void write(DeviceTensor dst, int[] src) {
        AscendTensor a = sized(dst, DType.I32, src.length);
        device.run("aclrtMemcpy(H2D)", () -> AscendNative.tna_upload(dev, a.addr(), src, 4L * src.length));
    }

    /** Into an f32 tensor, or a half one through an f32 device copy cast on the device. */
    @Override
    public void write(DeviceTensor dst, float[] src) {
        AscendTensor a = floating(dst);
        if (a.numElements() < src.length) throw new IllegalArgumentException("host copy of " + src.length + " into " + a);
        if (a.dtype() == DType.F32) {
            device.run("aclrtMemcpy(H2D)", () -> AscendNative.tna_upload(dev, a.addr(), src, 4L * src.length));
            return;
        }
        AscendTensor staged = device.alloc(DType.F32, src.length);
        try {
            device.run("aclrtMemcpy(H2D)", () -> AscendNative.tna_upload(dev, staged.addr(), src, 4L * src.length));
            device.run("write (Elewise CAST)", () -> AscendNative.tna_cast(dev, staged.addr(), AscendNative.ACL_FLOAT,
                    a.addr(), aclType(a), src.length));
        } finally {
            device.free(staged);
        }
    }

    /** From an f32 tensor, or a half one through an f32 device copy (a traced router's weights). */
    @Override
    public void read(DeviceTensor src, float[] dst, int length) {
        Objects.checkFromIndexSize(0, length, dst.length);
        AscendTensor a = floating(src);
        if (a.numElements() < length) throw new IllegalArgumentException("host copy of " + length + " from " + a);
        if (a.dtype() == DType.F32) {
            device.run("aclrtMemcpy(D2H)", () -> AscendNative.tna_download(dev, dst, a.addr(), 4L * length));
            return;
        }
        AscendTensor staged = device.alloc(DType.F32, length);
        try {
            device.run("read (Elewise CAST)", () -> AscendNative.tna_cast(dev, a.addr(), aclType(a), staged.addr(),
                    AscendNative.ACL_FLOAT, length));
            device.run("aclrtMemcpy(D2H)", () -> AscendNative.tna_download(dev, dst, staged.addr(), 4L * length));
        } finally {
            device.free(staged);
        }
    }

    @Override
    public void read(DeviceTensor src, int[] dst) {
        AscendTensor a = sized(src, DType.I32, dst.length);
        device.run("aclrtMemcpy(D2H)", () -> AscendNative.tna_download(dev, dst, a.addr(), 4L * dst.length));
    }

    @Override
    public void free(DeviceTensor t) {
        AscendTensor copy = computeCopies.remove(asc(t).addr());
        if (copy != null) device.free(copy);
        device.free(asc(t));
    }

    /** An f32 weight in the compute dtype (its copy, made once); a half weight as it is. */
    private AscendTensor inCompute(DeviceTensor weight) {
        AscendTensor w = floating(weight);
        if (w.dtype() != DType.F32) return w;
        AscendTensor copy = computeCopies.get(w.addr());
        if (copy != null && copy.numElements() == w.numElements()) return copy;
        if (copy != null) device.free(copy);
        AscendTensor made = device.alloc(precision.weightDtype, w.shape());
        device.run("weight to the compute dtype (Elewise CAST)", () -> AscendNative.tna_cast(dev, w.addr(),
                AscendNative.ACL_FLOAT, made.addr(), cd, w.numElements()));
        computeCopies.put(w.addr(), made);
        return made;
    }

    // ---------------------------------------------------------------- operations

    @Override
    public void embedding(DeviceTensor table, DeviceTensor ids, DeviceTensor out) {
        AscendTensor tb = floatWeight(table);
        long n = ids.numElements();
        requireShape(out, n, tb.rowElems());
        AscendTensor o = floating(out);
        device.run("embedding (Gather)", () -> AscendNative.tna_embedding(dev, tb.addr(), cd, tb.rows(),
                (int) tb.rowElems(), asc(ids).addr(), (int) n, o.addr(), aclType(o)));
    }

    @Override
    public void rmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor out) {
        long dim = x.rowElems();
        if (weight.numElements() != dim) throw new IllegalArgumentException("rmsNorm weight " + weight + " vs " + x);
        requireShape(out, x.rows(), dim);
        AscendTensor xs = floating(x);
        AscendTensor g = inCompute(weight);
        AscendTensor o = floating(out);
        device.run("rmsNorm (RmsNorm)", () -> AscendNative.tna_rms_norm(dev, xs.addr(), aclType(xs), g.addr(), aclType(g),
                o.addr(), aclType(o), (int) x.rows(), (int) dim, eps, cd));
    }

    @Override
    public void linear(DeviceTensor x, DeviceTensor weight, DeviceTensor out) {
        boolean quant = weight instanceof QuantizedTensor;
        AscendTensor w = quant ? int8(quantized(weight).weight()) : floatWeight(weight);
        long k = x.rowElems();
        if (w.rowElems() != k) throw new IllegalArgumentException("linear " + x + " x " + w + ": inner dimensions differ");
        requireShape(out, x.rows(), w.rows());
        int m = (int) x.rows();
        int n = (int) w.rows();
        AscendTensor xs = floating(x);
        AscendTensor o = floating(out);
        if (quant) {
            AscendTensor scale = f32(quantized(weight).scale());
            device.run("linear (DynamicQuant + QuantMatmulV4)", () -> AscendNative.tna_quant_linear(dev, xs.addr(),
                    aclType(xs), m, (int) k, w.addr(), scale.addr(), n, o.addr(), aclType(o), cd));
        } else {
            device.run("linear (Linear)", () -> AscendNative.tna_linear(dev, xs.addr(), aclType(xs), m, (int) k,
                    w.addr(), cd, n, o.addr(), aclType(o)));
        }
    }

    @Override
    public void rope(DeviceTensor qkv, QkvLayout layout, AttentionBatch batch, float theta) {
        DeviceTensor positions = batch.positions();
        requireShape(qkv, positions.numElements(), layout.width());
        rope.ensure(batch.meta().maxSeqLen(), layout.headDim(), theta);
        AscendTensor q = activation(qkv);
        device.run("rope (Gather + Rope)", () -> AscendNative.tna_rope(dev, q.addr(), (int) qkv.rows(),
                layout.numHeads(), layout.numKvHeads(), layout.headDim(), rope.cos().addr(), rope.sin().addr(),
                rope.positions(), asc(positions).addr(), cd));
    }

    /** ATB's ReshapeAndCache / PagedAttention here take the cache in the compute dtype only. */
    @Override
    public void checkKvCacheDtype(DType dtype) {
        if (dtype != precision.kvCacheDtype) {
            throw new AscendException("--kv-cache-dtype " + dtype.cliName + " is not supported on the ascend backend yet"
                    + " (its KV cache is the compute dtype, " + precision.kvCacheDtype.cliName + ")");
        }
    }

    /**
     * A prefill chunk after a cached prefix runs as SelfAttention PREFIX_ENCODER, or where that cannot take
     * it as a PagedAttention query per token ({@link AttentionPlan}).
     */
    @Override
    public boolean prefillsAfterCachedPrefix() {
        return true;
    }

    @Override
    public KvCache allocateKvCache(KvCacheSpec spec) {
        checkKvCacheDtype(spec.dtype());
        long[] shape = {spec.numBlocks(), spec.blockSize(), spec.numKvHeads(), spec.headDim()};
        return new KvCache(spec, allocate(spec.dtype(), shape), allocate(spec.dtype(), shape));
    }

    private static void checkCache(KvCache cache, QkvLayout qkv) {
        KvCacheSpec s = cache.spec();
        if (s.numKvHeads() != qkv.numKvHeads() || s.headDim() != qkv.headDim()) {
            throw new IllegalArgumentException("KV cache " + s + " does not fit " + qkv);
        }
    }

    @Override
    public void reshapeAndCache(DeviceTensor qkv, QkvLayout layout, KvCache cache, AttentionBatch batch) {
        requireShape(qkv, batch.numTokens(), layout.width());
        checkCache(cache, layout);
        KvCacheSpec s = cache.spec();
        AscendTensor q = activation(qkv);
        device.run("reshapeAndCache (ReshapeAndCache)", () -> AscendNative.tna_reshape_and_cache(dev, q.addr(),
                batch.numTokens(), layout.numHeads(), layout.numKvHeads(), layout.headDim(), asc(cache.keys()).addr(),
                asc(cache.values()).addr(), s.numBlocks(), s.blockSize(), asc(batch.slotMapping()).addr(), cd));
    }

    /**
     * Each run of the step's {@link AttentionPlan} (made once per step, on the first layer's call) is one
     * SelfAttention PA_ENCODER, SelfAttention PREFIX_ENCODER or PagedAttention call (a run of a query per
     * token: a Gather of the block-table rows, then PagedAttention, masked under a window); the lengths ATB needs
     * on the host come from the step's {@link org.tramontane.backend.AttentionMetadata}, on the device
     * from the batch's tensors.
     */
    @Override
    public void pagedAttention(DeviceTensor qkv, QkvLayout layout, KvCache cache, AttentionBatch batch, int window,
            DeviceTensor out) {
        int n = batch.numTokens();
        requireShape(qkv, n, layout.width());
        requireShape(out, n, layout.qSize());
        requireShape(batch.blockTables(), batch.numSeqs(), batch.maxBlocksPerSeq());
        checkCache(cache, layout);
        float scale = (float) (1.0 / Math.sqrt(layout.headDim()));
        KvCacheSpec s = cache.spec();
        long es = precision.weightDtype.elemBytes;
        long rowQkv = es * layout.width();
        long rowOut = es * layout.qSize();
        long kc = asc(cache.keys()).addr();
        long vc = asc(cache.values()).addr();
        int maxBlocks = batch.maxBlocksPerSeq();
        for (AttentionPlan.Run run : plan(batch, window, s.blockSize(), layout.headDim())) {
            long qkvAt = activation(qkv).addr() + run.firstToken() * rowQkv;
            long outAt = activation(out).addr() + run.firstToken() * rowOut;
            long tables = asc(batch.blockTables()).addr() + 4L * run.firstSeq() * maxBlocks;
            long queryLens = asc(batch.queryLens()).addr() + 4L * run.firstSeq();
            long seqLens = asc(batch.seqLens()).addr() + 4L * run.firstSeq();
            int numSeqs = run.numSeqs();
            switch (run.kind()) {
                case DECODE -> device.run("pagedAttention (PagedAttention)", () -> AscendNative.tna_decode_attention(dev,
                        qkvAt, numSeqs, layout.numHeads(), layout.numKvHeads(), layout.headDim(), kc, vc, s.numBlocks(),
                        s.blockSize(), tables, maxBlocks, seqLens, run.seqLens(), scale, outAt, cd));
                case PREFILL -> device.run("pagedAttention (SelfAttention PA_ENCODER)",
                        () -> AscendNative.tna_prefill_attention(dev, qkvAt, run.numTokens(), layout.numHeads(),
                                layout.numKvHeads(), layout.headDim(), queryLens, run.queryLens(), numSeqs, scale, outAt,
                                cd));
                case CHUNK -> device.run("pagedAttention (SelfAttention PREFIX_ENCODER)",
                        () -> AscendNative.tna_prefix_attention(dev, qkvAt, run.numTokens(), layout.numHeads(),
                                layout.numKvHeads(), layout.headDim(), kc, vc, s.numBlocks(), s.blockSize(), tables,
                                maxBlocks, queryLens, run.queryLens(), seqLens, run.seqLens(), numSeqs, scale, outAt,
                                cd));
                case QUERIES -> {
                    AttentionPlan.Queries w = run.queries();
                    device.run("pagedAttention (Gather + PagedAttention, a query per token)",
                            () -> AscendNative.tna_token_attention(dev, qkvAt, run.numTokens(), layout.numHeads(),
                                    layout.numKvHeads(), layout.headDim(), kc, vc, s.numBlocks(), s.blockSize(),
                                    asc(batch.blockTables()).addr(), batch.numSeqs(), maxBlocks, w.tableRows(),
                                    w.firstBlocks(), w.rowBlocks(), w.contextLens(), w.maskedLens(), w.maxContextLen(),
                                    scale, outAt, cd));
                }
            }
        }
    }

    /** The runs of this step's batch: planned on the first layer's call, reused by the others. */
    private List<AttentionPlan.Run> plan(AttentionBatch batch, int window, int blockSize, int headDim) {
        if (batch.meta() != plannedMeta || window != plannedWindow || blockSize != plannedBlockSize
                || headDim != plannedHeadDim) {
            plannedRuns = AttentionPlan.of(batch.meta(), window, blockSize, headDim);
            plannedHeadDim = headDim;
            plannedMeta = batch.meta();
            plannedWindow = window;
            plannedBlockSize = blockSize;
        }
        return plannedRuns;
    }

    @Override
    public void moeGate(DeviceTensor x, DeviceTensor gate, DeviceTensor expertIds, DeviceTensor routingWeights) {
        long topK = expertIds.rowElems();
        requireShape(expertIds, x.rows(), topK);
        requireShape(routingWeights, x.rows(), topK);
        AscendTensor xs = floating(x);
        AscendTensor g = inCompute(gate);
        AscendTensor w = ofType(routingWeights, xs.dtype());
        device.run("moeGate (Linear + aclnnMoeGatingTopKSoftmax + renormalise)", () -> AscendNative.tna_moe_gate(dev,
                xs.addr(), aclType(xs), g.addr(), aclType(g), (int) x.rows(), (int) x.rowElems(), (int) gate.rows(),
                (int) topK, asc(expertIds).addr(), w.addr(), cd));
    }

    @Override
    public void moeExperts(DeviceTensor x, ExpertWeights experts, DeviceTensor expertIds,
            DeviceTensor routingWeights, DeviceTensor out) {
        long[] w1 = experts.w1().shape();
        int numExperts = (int) w1[0];
        int inter = (int) w1[1];
        int hidden = (int) w1[2];
        requireShape(experts.w3(), numExperts, inter, hidden);
        requireShape(experts.w2(), numExperts, hidden, inter);
        requireShape(out, x.rows(), hidden);
        int numTokens = (int) x.rows();
        int topK = (int) expertIds.rowElems();
        AscendTensor xs = floating(x);
        AscendTensor w = ofType(routingWeights, xs.dtype());
        AscendTensor o = ofType(out, xs.dtype());
        int dt = aclType(xs);
        GateUpPacking.GateUp gu = gateUp.of(experts, numExperts, inter, hidden);
        if (gu.scale() != null) {
            QuantizedTensor down = quantized(experts.w2());
            AscendTensor downW = int8(down.weight());
            AscendTensor downS = f32(down.scale());
            device.run("moeExperts (MoeInitRoutingV2 + DynamicQuant + GroupedMatmulV4 W8A8 + SwiGLU + MoeTokenUnpermute)",
                    () -> AscendNative.tna_moe_experts_w8a8(dev, xs.addr(), numTokens, hidden, inter, numExperts,
                            topK, gu.weight().addr(), gu.scale().addr(), downW.addr(), downS.addr(),
                            asc(expertIds).addr(), w.addr(), o.addr(), dt, cd));
            return;
        }
        AscendTensor down = floatWeight(experts.w2());
        device.run("moeExperts (MoeInitRoutingV2 + GroupedMatmulV4 + SwiGLU + MoeTokenUnpermute)",
                () -> AscendNative.tna_moe_experts(dev, xs.addr(), numTokens, hidden, inter, numExperts, topK,
                        gu.weight().addr(), down.addr(), asc(expertIds).addr(), w.addr(), o.addr(), dt, cd));
    }

    @Override
    public void add(DeviceTensor y, DeviceTensor x) {
        if (y.numElements() != x.numElements()) throw new IllegalArgumentException("add " + y + " + " + x);
        AscendTensor ys = floating(y);
        AscendTensor xs = ofType(x, ys.dtype());
        device.run("add (Elewise ADD)", () -> AscendNative.tna_add(dev, ys.addr(), xs.addr(), aclType(ys),
                y.numElements()));
    }

    /** One Gather of the rows on the device (no host copy, no sync). */
    @Override
    public void gatherRows(DeviceTensor src, int[] rowIdx, DeviceTensor out) {
        AscendTensor s = floating(src);
        AscendTensor o = ofType(out, s.dtype());
        long cols = src.rowElems();
        requireShape(out, rowIdx.length, cols);
        for (int r : rowIdx) {
            if (r < 0 || r >= src.rows()) throw new IndexOutOfBoundsException("row " + r + " of " + src);
        }
        if (rowIdx.length == 0) return;
        device.run("gatherRows (Gather)", () -> AscendNative.tna_gather_rows(dev, s.addr(), aclType(s), src.rows(), cols,
                rowIdx, rowIdx.length, o.addr()));
    }

    /** With {@link DeviceCounters#printing}: one line per forward step on stderr, this device's figures in it. */
    @Override
    public void endStep() {
        if (!printCounters) return;
        DeviceCounters now = device.counters();
        DeviceCounters step = atLastStep == null ? now : now.since(atLastStep);
        atLastStep = now;
        System.err.println(device.describe() + " step " + steps++ + ": " + step.describe());
    }

    /** An activation the operation takes in the compute dtype only (qkv, attention output). */
    private AscendTensor activation(DeviceTensor t) {
        return ofType(t, precision.weightDtype);
    }

    private AscendTensor floatWeight(DeviceTensor t) {
        return AscendTensors.floatWeight(t, precision.weightDtype);
    }

    // ---------------------------------------------------------------- tensor parallelism

    /**
     * ATB AllReduce (sum in t's dtype: the compute dtype for the engine's activations) queued on this
     * rank's stream; the other ranks' streams meet it there.
     */
    @Override
    public void allReduceSum(DeviceTensor t, HostCollectives ranks) {
        if (ranks.worldSize() == 1) return;
        HcclRank g = enter(ranks, HostCollectives.DeviceCollective.ALL_REDUCE);
        try {
            g.allReduceSum(floating(t), ranks);
        } catch (AscendException e) {
            throw ranks.stopped(e);
        }
    }

    /** ATB AllGather of rows, rank-major ([rankSize, local...]), on this rank's stream. */
    @Override
    public void allGather(DeviceTensor local, DeviceTensor out, HostCollectives ranks) {
        HcclRank g = enter(ranks, HostCollectives.DeviceCollective.ALL_GATHER);
        try {
            g.allGather(floating(local), floating(out), ranks);
        } catch (AscendException e) {
            throw ranks.stopped(e);
        }
    }

    /**
     * This rank's HCCL place, with the group's stop wired to it: if this rank fails, destroying its
     * communicator breaks the HCCL group, so the ranks waiting for it in a collective fail at once
     * instead of after HCCL_EXEC_TIMEOUT.
     */
    private HcclRank enter(HostCollectives ranks, HostCollectives.DeviceCollective collective) {
        HcclRank g = group();
        ranks.onAbort(releaseGroup);
        ranks.enteringDeviceCollective(collective);
        return g;
    }

    private HcclRank group() {
        if (hccl == null) {
            throw new IllegalStateException(device.describe() + " is in no HCCL group: the backends of a"
                    + " tensor-parallel group must be made together (BackendKind.createGroup)");
        }
        return hccl;
    }

    /** HcclCommDestroy (when in a group), then every tensor freed and the device closed. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        RuntimeException failure = null;
        try {
            if (hccl != null) hccl.destroy();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            device.close();
        } catch (RuntimeException e) {
            if (failure == null) failure = e;
            else failure.addSuppressed(e);
        }
        if (failure != null) throw failure;
    }
}
