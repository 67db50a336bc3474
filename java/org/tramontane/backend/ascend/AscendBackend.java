package org.tramontane.backend.ascend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.tramontane.config.ActivationQuant;
import org.tramontane.backend.AttentionBatch;
import org.tramontane.backend.Backend;
import org.tramontane.config.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.HostCollectives;
import org.tramontane.backend.KvCache;
import org.tramontane.backend.KvCacheSpec;
import org.tramontane.config.Precision;
import org.tramontane.backend.QkvLayout;
import org.tramontane.backend.QuantizedTensor;
import org.tramontane.backend.RandomRef;
import org.tramontane.backend.WeightRef;

/**
 * The Ascend NPU backend: each {@link Backend} call is one facade call (native/ascend/facade) that
 * runs the ATB / aclnn operations MindIE runs for it, in fp16 (or bf16) on the device, and
 * synchronises the stream. Activations cross the SPI as f32 device tensors and are cast to the
 * compute dtype inside each call. All native work of one backend runs on its own device thread,
 * the one that called aclrtSetDevice. Built against the simulator (native/ascend/sim) unless the
 * jar was built with the {@code ascend} Maven profile.
 */
public final class AscendBackend implements Backend {
    private static final BitSet DEVICES_IN_USE = new BitSet();

    private final Precision precision;
    private final boolean simulator;
    private final int deviceId;
    private final int cd;
    private final ExecutorService thread;
    private final long dev;
    private final List<AscendTensor> owned = new ArrayList<>();
    private final Map<ExpertWeights, GateUp> fusedGateUp = new IdentityHashMap<>();
    private AscendTensor cosTable;
    private AscendTensor sinTable;
    private int ropePositions;
    private float ropeTheta;
    private boolean closed;
    private long hcclComm;          // this rank's HcclComm; 0 outside a group made by openGroup
    private int hcclRank = -1;
    private int hcclWorldSize;
    private boolean hcclDestroyed;  // by destroyHcclForTests: the handle is kept to test its refusal
    private CommBackend commBackend;  // ATB's AllReduce/AllGather backend of the group
    private String commDomain;        // the group's name in those params; one per group in the process

    private static final AtomicLong GROUPS = new AtomicLong();

    /**
     * The backend of ATB's AllReduce / AllGather ({@code AllReduceParam.backend}). MindIE
     * ({@code utils/initial.py}) runs lccl on an A2 with HCCS links unless ATB_LLM_HCCL_ENABLE=1, and
     * hccl otherwise; {@link #fromEnvironment} does the same but does not detect the chip: on a 300I
     * DUO (310P), where ATB refuses lccl, set ATB_LLM_HCCL_ENABLE=1.
     */
    public enum CommBackend {
        /** HCCL: ATB runs HcclAllReduce / HcclAllGather on the group's HcclComm. */
        HCCL("hccl"),
        /** LCCL: ATB's own communicator of the group (keyed by commDomain); no int64, no prod, not on 310P. */
        LCCL("lccl");

        /** The string ATB's params take. */
        public final String atbName;

        CommBackend(String atbName) {
            this.atbName = atbName;
        }

        /** hccl if {@code env} has ATB_LLM_HCCL_ENABLE=1, else lccl (MindIE's rule on an 800I A2). */
        public static CommBackend fromEnvironment(Map<String, String> env) {
            String v = env.get("ATB_LLM_HCCL_ENABLE");
            return v != null && v.trim().equals("1") ? HCCL : LCCL;
        }
    }

    /** {@code --backend ascend} (real device) or {@code ascend-sim} (the CPU simulator). */
    public static AscendBackend open(Precision precision, boolean simulator) {
        return new AscendBackend(precision, simulator);
    }

    private AscendBackend(Precision precision, boolean simulator) {
        if (precision != Precision.FP16 && precision != Precision.BF16) {
            throw new AscendException("--backend " + (simulator ? "ascend-sim" : "ascend")
                    + " computes in fp16 or bf16 as the NPU does; --dtype "
                    + precision.weightDtype.cliName + " is not supported (use --dtype fp16)");
        }
        boolean built;
        try {
            built = AscendNative.tna_is_simulator() == 1;
        } catch (UnsatisfiedLinkError e) {
            throw new AscendException("--backend ascend: cannot load the Ascend runtime (libascendcl.so, libatb.so): "
                    + "run `source /usr/local/Ascend/ascend-toolkit/set_env.sh && source "
                    + "/usr/local/Ascend/nnal/atb/set_env.sh` first (" + e.getMessage() + ")");
        }
        if (!simulator && built) {
            throw new AscendException("--backend ascend: this build has no Ascend runtime; on an Ascend host run "
                    + "`source /usr/local/Ascend/ascend-toolkit/set_env.sh && source /usr/local/Ascend/nnal/atb/set_env.sh`"
                    + " and rebuild with `mvn -Pascend package` (--backend ascend-sim runs the CPU simulator)");
        }
        if (simulator && !built) {
            throw new AscendException("--backend ascend-sim: this build links the real CANN runtime, not the simulator"
                    + " (use --backend ascend)");
        }
        this.precision = precision;
        this.simulator = simulator;
        this.cd = precision == Precision.FP16 ? AscendNative.ACL_FLOAT16 : AscendNative.ACL_BF16;
        synchronized (DEVICES_IN_USE) {
            deviceId = DEVICES_IN_USE.nextClearBit(0);
            DEVICES_IN_USE.set(deviceId);
        }
        thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ascend-device-" + deviceId);
            t.setDaemon(true);
            return t;
        });
        long handle;
        try {
            handle = on(() -> {
                int[] status = new int[1];
                long h = AscendNative.tna_open(deviceId, status);
                if (h == 0) throw failure("open device " + deviceId, status[0]);
                return h;
            });
        } catch (RuntimeException e) {
            thread.shutdownNow();
            release(deviceId);
            throw e;
        }
        dev = handle;
    }

    /**
     * The backends of one tensor-parallel group, rank r on device r's own thread, joined in one HCCL
     * group: HcclGetRootInfo on rank 0's device thread, then HcclCommInitRootInfo on every rank's
     * device thread at once (each returns only when all have joined, so they cannot run one after
     * another). {@code execTimeoutSeconds} becomes HCCL_EXEC_TIMEOUT: how long a rank waits for the
     * others in a collective before its call fails. The collectives are ATB's AllReduce / AllGather
     * with the backend {@link CommBackend#fromEnvironment} picks from this process's environment.
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
            if (worldSize > 1) joinHccl(group, (int) Math.min(Integer.MAX_VALUE, execTimeoutSeconds), commBackend);
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

    private static void joinHccl(List<AscendBackend> group, int execTimeoutSeconds, CommBackend commBackend) {
        String domain = Long.toString(GROUPS.incrementAndGet());
        byte[] rootInfo = new byte[Math.toIntExact(AscendNative.tna_hccl_root_info_bytes())];
        AscendBackend root = group.get(0);
        root.run("HcclGetRootInfo", () -> AscendNative.tna_hccl_root_info(root.dev, execTimeoutSeconds, rootInfo));
        List<Future<Long>> joins = new ArrayList<>();
        for (int r = 0; r < group.size(); r++) {
            AscendBackend b = group.get(r);
            int rank = r;
            joins.add(b.thread.submit(() -> {
                long[] comm = new long[1];
                b.check(AscendNative.tna_hccl_init(b.dev, group.size(), rootInfo, rank, comm),
                        "join the HCCL group as rank " + rank + " of " + group.size());
                return comm[0];
            }));
        }
        RuntimeException first = null;
        for (int r = 0; r < group.size(); r++) {
            try {
                AscendBackend b = group.get(r);
                b.hcclComm = joins.get(r).get();
                b.hcclRank = r;
                b.hcclWorldSize = group.size();
                b.commBackend = commBackend;
                b.commDomain = domain;
            } catch (ExecutionException e) {
                RuntimeException c = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                if (first == null) first = c;
                else first.addSuppressed(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the ranks joined the HCCL group", e);
            }
        }
        if (first != null) throw first;
    }

    private static void release(int id) {
        synchronized (DEVICES_IN_USE) {
            DEVICES_IN_USE.clear(id);
        }
    }

    /** Runs native work on this backend's device thread (the one bound by aclrtSetDevice). */
    private <T> T on(Supplier<T> work) {
        Future<T> f = thread.submit(work::get);
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for ascend device " + deviceId, e);
        }
    }

    private void run(String op, Supplier<Integer> call) {
        on(() -> {
            check(call.get(), op);
            return null;
        });
    }

    private AscendException failure(String op, int status) {
        return new AscendException("ascend" + (simulator ? "-sim" : "") + " device " + deviceId + ": " + op
                + " failed: " + AscendNative.tna_last_error() + " [status " + status + "]");
    }

    private void check(int status, String op) {
        if (status != 0) throw failure(op, status);
    }

    /** The device this backend drives (logical id after ASCEND_RT_VISIBLE_DEVICES). */
    public int deviceId() {
        return deviceId;
    }

    @Override
    public String name() {
        return simulator ? "ascend-sim" : "ascend";
    }

    @Override
    public Precision precision() {
        return precision;
    }

    // ---------------------------------------------------------------- memory

    @Override
    public DeviceTensor allocate(DType dtype, long... shape) {
        AscendTensor t = alloc(dtype, shape);
        run("aclrtMemset", () -> AscendNative.tna_memset_zero(dev, t.address(), t.bytes()));
        return t;
    }

    private AscendTensor alloc(DType dtype, long... shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        long bytes = Math.max(1, Math.multiplyExact(n, (long) dtype.elemBytes));
        long addr = on(() -> {
            long[] out = new long[1];
            check(AscendNative.tna_malloc(dev, bytes, out), "aclrtMalloc of " + bytes + " bytes");
            return out[0];
        });
        int[] host = dtype == DType.I32 && n <= Integer.MAX_VALUE ? new int[(int) n] : null;
        AscendTensor t = new AscendTensor(dtype, shape, addr, true, host);
        owned.add(t);
        return t;
    }

    @Override
    public DeviceTensor reshape(DeviceTensor t, long... shape) {
        AscendTensor a = asc(t);
        long n = 1;
        for (long d : shape) n *= d;
        if (n != a.numElements()) throw new IllegalArgumentException("cannot reshape " + a + " to " + Arrays.toString(shape));
        return new AscendTensor(a.dtype(), shape, a.addr(), false, a.host);
    }

    @Override
    public DeviceTensor firstRows(DeviceTensor t, long rows) {
        AscendTensor a = asc(t);
        if (rows < 0 || rows > a.rows()) throw new IllegalArgumentException("view of " + rows + " rows of " + a);
        long[] s = a.shape().clone();
        s[0] = rows;
        return new AscendTensor(a.dtype(), s, a.addr(), false, a.host);
    }

    @Override
    public DeviceTensor loadWeight(DType target, WeightRef... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("no weight parts");
        DType source = parts[0].dtype();
        boolean int8 = source == DType.I8 && target == DType.I8;
        long[] trailing = Arrays.copyOfRange(parts[0].shape(), 1, parts[0].shape().length);
        long rows = 0;
        long bytes = 0;
        for (WeightRef p : parts) {
            if (p.dtype() != source || !Arrays.equals(trailing, Arrays.copyOfRange(p.shape(), 1, p.shape().length))) {
                throw new IllegalArgumentException("cannot stack " + p.dtype() + Arrays.toString(p.shape()) + " under "
                        + source + Arrays.toString(parts[0].shape()));
            }
            if (!int8 && (!source.isFloat() || !target.isFloat())) {
                throw new IllegalArgumentException("ascend backend loads float weights, or int8 weights as int8; got "
                        + source + " as " + target);
            }
            if (p.byteLength() != p.numElements() * source.elemBytes) {
                throw new IllegalArgumentException(p.file() + ": tensor byte length " + p.byteLength() + " does not match "
                        + source + " x " + Arrays.toString(p.shape()));
            }
            rows += p.shape()[0];
            bytes += p.byteLength();
        }
        long[] shape = parts[0].shape().clone();
        shape[0] = rows;
        // stage the parts on the host in the file's dtype, upload once, convert on the device
        try (BytePointer staging = new BytePointer(bytes)) {
            Map<Path, MappedByteBuffer> maps = new HashMap<>();
            long off = 0;
            for (WeightRef p : parts) {
                ByteBuffer src = slice(p, maps);
                Pointer.memcpy(staging.position(off), new BytePointer(src), p.byteLength());
                off += p.byteLength();
            }
            staging.position(0);
            long total = bytes;
            AscendTensor out = alloc(target, shape);
            if (source == target) {
                run("aclrtMemcpy(H2D) " + parts[0].file().getFileName(),
                        () -> AscendNative.tna_upload(dev, out.address(), staging.address(), total));
            } else {
                AscendTensor raw = alloc(source, shape);
                try {
                    run("aclrtMemcpy(H2D) " + parts[0].file().getFileName(),
                            () -> AscendNative.tna_upload(dev, raw.address(), staging.address(), total));
                    run("Elewise(CAST) " + source + "->" + target, () -> AscendNative.tna_cast(dev, raw.address(),
                            aclType(source), out.address(), aclType(target), out.numElements()));
                } finally {
                    free(raw);
                }
            }
            return out;
        }
    }

    private static ByteBuffer slice(WeightRef p, Map<Path, MappedByteBuffer> maps) {
        try (FileChannel ch = FileChannel.open(p.file(), StandardOpenOption.READ)) {
            long size = ch.size();
            if (p.dataOffset() < 0 || p.dataOffset() + p.byteLength() > size) {
                throw new IllegalArgumentException(p.file() + ": tensor data lies outside the file");
            }
            if (size <= Integer.MAX_VALUE) {
                MappedByteBuffer m = maps.get(p.file());
                if (m == null) {
                    m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                    maps.put(p.file(), m);
                }
                return m.slice((int) p.dataOffset(), (int) p.byteLength());
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, p.dataOffset(), p.byteLength());
        } catch (IOException e) {
            throw new IllegalStateException(p.file() + ": cannot map file: " + e.getMessage(), e);
        }
    }

    private static int aclType(DType d) {
        return switch (d) {
            case F32 -> AscendNative.ACL_FLOAT;
            case F16 -> AscendNative.ACL_FLOAT16;
            case BF16 -> AscendNative.ACL_BF16;
            case I32 -> AscendNative.ACL_INT32;
            case I8 -> AscendNative.ACL_INT8;
        };
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
        if (!target.isFloat()) throw new IllegalArgumentException("random weights are float, not " + target);
        AscendTensor t = alloc(target, RandomRef.stackedShape(parts));
        long dst = t.address();
        for (RandomRef.Runs r : RandomRef.runs(parts)) {
            long at = dst;
            run("fill_random", () -> AscendNative.tna_fill_random(dev, at, aclType(target), r.seed(), r.scale(),
                    r.starts(), r.starts().length, r.runElems()));
            dst += r.numElements() * target.elemBytes;
        }
        return t;
    }

    /** Quantizing at load runs on the host in the cpu backend only; quantize offline for ascend. */
    @Override
    public DeviceTensor quantizeWeight(DeviceTensor weight, long firstCol, long numCols, ActivationQuant activation) {
        throw new AscendException("ascend backend: quantizing weights at load (--quantize) is not"
                + " supported yet; quantize the checkpoint with `tramontane quantize` and load that");
    }

    @Override
    public void write(DeviceTensor dst, int[] src) {
        AscendTensor a = sized(dst, DType.I32, src.length);
        if (a.host != null) System.arraycopy(src, 0, a.host, 0, src.length);
        run("aclrtMemcpy(H2D)", () -> AscendNative.tna_upload(dev, a.addr(), src, 4L * src.length));
    }

    @Override
    public void write(DeviceTensor dst, float[] src) {
        AscendTensor a = sized(dst, DType.F32, src.length);
        run("aclrtMemcpy(H2D)", () -> AscendNative.tna_upload(dev, a.addr(), src, 4L * src.length));
    }

    @Override
    public void read(DeviceTensor src, float[] dst, int length) {
        Objects.checkFromIndexSize(0, length, dst.length);
        AscendTensor a = sized(src, DType.F32, length);
        run("aclrtMemcpy(D2H)", () -> AscendNative.tna_download(dev, dst, a.addr(), 4L * length));
    }

    @Override
    public void read(DeviceTensor src, int[] dst) {
        AscendTensor a = sized(src, DType.I32, dst.length);
        run("aclrtMemcpy(D2H)", () -> AscendNative.tna_download(dev, dst, a.addr(), 4L * dst.length));
    }

    private static AscendTensor sized(DeviceTensor t, DType dtype, int count) {
        AscendTensor a = asc(t);
        if (a.dtype() != dtype || a.numElements() < count) {
            throw new IllegalArgumentException("host copy of " + count + " " + dtype + " elements with " + a);
        }
        return a;
    }

    @Override
    public void free(DeviceTensor t) {
        AscendTensor a = asc(t);
        if (!a.owner() || !owned.remove(a)) return;
        a.markFreed();
        run("aclrtFree", () -> AscendNative.tna_free(dev, a.address()));
    }

    // ---------------------------------------------------------------- operations

    @Override
    public void embedding(DeviceTensor table, DeviceTensor ids, DeviceTensor out) {
        AscendTensor tb = computeWeight(table);
        long n = ids.numElements();
        requireShape(out, n, tb.rowElems());
        run("embedding (Gather)", () -> AscendNative.tna_embedding(dev, tb.addr(), cd, tb.rows(), (int) tb.rowElems(),
                asc(ids).addr(), (int) n, f32(out).addr()));
    }

    @Override
    public void rmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor out) {
        long dim = x.rowElems();
        if (weight.numElements() != dim) throw new IllegalArgumentException("rmsNorm weight " + weight + " vs " + x);
        requireShape(out, x.rows(), dim);
        run("rmsNorm (RmsNorm)", () -> AscendNative.tna_rms_norm(dev, f32(x).addr(), f32(weight).addr(), f32(out).addr(),
                (int) x.rows(), (int) dim, eps, cd));
    }

    @Override
    public void linear(DeviceTensor x, DeviceTensor weight, DeviceTensor out) {
        if (weight instanceof QuantizedTensor q) {
            quantLinear(x, q, out);
            return;
        }
        AscendTensor w = computeWeight(weight);
        long k = x.rowElems();
        if (w.rowElems() != k) throw new IllegalArgumentException("linear " + x + " x " + w + ": inner dimensions differ");
        requireShape(out, x.rows(), w.rows());
        run("linear (Linear)", () -> AscendNative.tna_linear(dev, f32(x).addr(), (int) x.rows(), (int) k, w.addr(), cd,
                (int) w.rows(), f32(out).addr()));
    }

    private void quantLinear(DeviceTensor x, QuantizedTensor q, DeviceTensor out) {
        AscendTensor w = int8(q.weight());
        long k = x.rowElems();
        if (w.rowElems() != k) throw new IllegalArgumentException("linear " + x + " x " + w + ": inner dimensions differ");
        requireShape(out, x.rows(), w.rows());
        run("linear (DynamicQuant + QuantMatmulV4)", () -> AscendNative.tna_quant_linear(dev, f32(x).addr(),
                (int) x.rows(), (int) k, w.addr(), f32(q.scale()).addr(), (int) w.rows(), f32(out).addr(), cd));
    }

    @Override
    public void rope(DeviceTensor qkv, QkvLayout layout, DeviceTensor positions, float theta) {
        requireShape(qkv, positions.numElements(), layout.width());
        int[] pos = asc(positions).host;
        int maxPos = 0;
        for (int i = 0; i < positions.numElements(); i++) maxPos = Math.max(maxPos, pos[i]);
        ensureRopeTables(maxPos + 1, layout.headDim(), theta);
        int n = (int) qkv.rows();
        run("rope (Gather + Rope)", () -> AscendNative.tna_rope(dev, f32(qkv).addr(), n, layout.numHeads(),
                layout.numKvHeads(), layout.headDim(), cosTable.addr(), sinTable.addr(), ropePositions,
                asc(positions).addr(), cd));
    }

    /** cos/sin [positions, headDim] in the compute dtype, as HF computes them (f32 inv_freq, f32 angles). */
    private void ensureRopeTables(int needed, int headDim, float theta) {
        if (cosTable != null && needed <= ropePositions && theta == ropeTheta && cosTable.shape()[1] == headDim) return;
        int n = Math.max(256, Integer.highestOneBit(Math.max(1, needed - 1)) << 1);
        float[] cos = new float[n * headDim];
        float[] sin = new float[n * headDim];
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float invFreq = (float) (1.0 / Math.pow(theta, (float) (2 * i) / headDim));
            for (int p = 0; p < n; p++) {
                float angle = (float) p * invFreq;
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + i + half] = c;
                sin[p * headDim + i] = s;
                sin[p * headDim + i + half] = s;
            }
        }
        if (cosTable != null) {
            free(cosTable);
            free(sinTable);
        }
        cosTable = hostToCompute(cos, n, headDim);
        sinTable = hostToCompute(sin, n, headDim);
        ropePositions = n;
        ropeTheta = theta;
    }

    private AscendTensor hostToCompute(float[] values, long rows, long cols) {
        AscendTensor f = alloc(DType.F32, rows, cols);
        try {
            write(f, values);
            AscendTensor out = alloc(precision.weightDtype, rows, cols);
            run("Elewise(CAST)", () -> AscendNative.tna_cast(dev, f.address(), AscendNative.ACL_FLOAT, out.address(), cd,
                    values.length));
            return out;
        } finally {
            free(f);
        }
    }

    /** ATB's ReshapeAndCache / PagedAttention here take the cache in the compute dtype only. */
    @Override
    public void checkKvCacheDtype(DType dtype) {
        if (dtype != precision.kvCacheDtype) {
            throw new AscendException("--kv-cache-dtype " + dtype.cliName + " is not supported on the ascend backend yet"
                    + " (its KV cache is the compute dtype, " + precision.kvCacheDtype.cliName + ")");
        }
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
        run("reshapeAndCache (ReshapeAndCache)", () -> AscendNative.tna_reshape_and_cache(dev, f32(qkv).addr(),
                batch.numTokens(), layout.numHeads(), layout.numKvHeads(), layout.headDim(), asc(cache.keys()).addr(),
                asc(cache.values()).addr(), s.numBlocks(), s.blockSize(), asc(batch.slotMapping()).addr(), cd));
    }

    /**
     * Splits the flat batch into runs the two ATB kernels take: whole-prompt prefills (positions
     * 0..n-1, SelfAttention PA_ENCODER) and single-token steps over the cache (PagedAttention).
     */
    @Override
    public void pagedAttention(DeviceTensor qkv, QkvLayout layout, KvCache cache, AttentionBatch batch, int window,
            DeviceTensor out) {
        int n = batch.numTokens();
        requireShape(qkv, n, layout.width());
        requireShape(out, n, layout.qSize());
        checkCache(cache, layout);
        int[] seq = asc(batch.seqIdx()).host;
        int[] pos = asc(batch.positions()).host;
        if (window > 0) {
            for (int t = 0; t < n; t++) {
                if (pos[t] >= window) {
                    throw new AscendException("ascend backend: sliding window " + window + " is not supported yet and "
                            + "this context reaches position " + pos[t] + " (MindIE ignores the window; we refuse)");
                }
            }
        }
        float scale = (float) (1.0 / Math.sqrt(layout.headDim()));
        KvCacheSpec s = cache.spec();
        long rowQkv = 4L * layout.width();
        long rowOut = 4L * layout.qSize();
        int t = 0;
        while (t < n) {
            // a run of sequences of one kind
            int start = t;
            boolean decode = isSingle(seq, t, n);
            List<Integer> lens = new ArrayList<>();
            int firstSeq = seq[t];
            while (t < n && isSingle(seq, t, n) == decode) {
                int len = seqLength(seq, t, n);
                if (!decode) {
                    for (int i = 0; i < len; i++) {
                        if (pos[t + i] != i) {
                            throw new AscendException("ascend backend: a prefill that continues a cached prefix "
                                    + "(chunked prefill / prefix cache) is not supported yet");
                        }
                    }
                }
                if (seq[t] != firstSeq + lens.size()) {
                    throw new IllegalArgumentException("ascend backend: sequences must appear in order in the batch");
                }
                lens.add(decode ? pos[t] + 1 : len);
                t += len;
            }
            int[] l = lens.stream().mapToInt(Integer::intValue).toArray();
            long qkvAt = f32(qkv).addr() + start * rowQkv;
            long outAt = f32(out).addr() + start * rowOut;
            if (decode) {
                long tables = asc(batch.blockTables()).addr() + 4L * firstSeq * batch.maxBlocksPerSeq();
                run("pagedAttention (PagedAttention)", () -> AscendNative.tna_decode_attention(dev, qkvAt, l.length,
                        layout.numHeads(), layout.numKvHeads(), layout.headDim(), asc(cache.keys()).addr(),
                        asc(cache.values()).addr(), s.numBlocks(), s.blockSize(), tables, batch.maxBlocksPerSeq(), l,
                        scale, outAt, cd));
            } else {
                int tokens = t - start;
                run("pagedAttention (SelfAttention PA_ENCODER)", () -> AscendNative.tna_prefill_attention(dev, qkvAt,
                        tokens, layout.numHeads(), layout.numKvHeads(), layout.headDim(), l, l.length, scale, outAt, cd));
            }
        }
    }

    /** Whether the sequence starting at token t has exactly one token in this step. */
    private static boolean isSingle(int[] seq, int t, int n) {
        return seqLength(seq, t, n) == 1;
    }

    private static int seqLength(int[] seq, int t, int n) {
        int e = t;
        while (e < n && seq[e] == seq[t]) e++;
        return e - t;
    }

    @Override
    public void moeGate(DeviceTensor x, DeviceTensor gate, DeviceTensor expertIds, DeviceTensor routingWeights) {
        long topK = expertIds.rowElems();
        requireShape(expertIds, x.rows(), topK);
        requireShape(routingWeights, x.rows(), topK);
        run("moeGate (Linear + aclnnMoeGatingTopKSoftmax + renormalise)", () -> AscendNative.tna_moe_gate(dev,
                f32(x).addr(), f32(gate).addr(), (int) x.rows(), (int) x.rowElems(), (int) gate.rows(), (int) topK,
                asc(expertIds).addr(), f32(routingWeights).addr(), cd));
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
        int topK = (int) expertIds.rowElems();
        GateUp gateUp = gateUp(experts, numExperts, inter, hidden);
        if (gateUp.scale() != null) {
            QuantizedTensor down = quantized(experts.w2());
            AscendTensor downW = int8(down.weight());
            AscendTensor downS = f32(down.scale());
            run("moeExperts (MoeInitRoutingV2 + DynamicQuant + GroupedMatmulV4 W8A8 + SwiGLU + MoeTokenUnpermute)",
                    () -> AscendNative.tna_moe_experts_w8a8(dev, f32(x).addr(), (int) x.rows(), hidden, inter,
                            numExperts, topK, gateUp.weight().addr(), gateUp.scale().addr(), downW.addr(),
                            downS.addr(), asc(expertIds).addr(), f32(routingWeights).addr(), f32(out).addr(), cd));
            return;
        }
        AscendTensor down = computeWeight(experts.w2());
        run("moeExperts (MoeInitRoutingV2 + GroupedMatmulV4 + SwiGLU + MoeTokenUnpermute)",
                () -> AscendNative.tna_moe_experts(dev, f32(x).addr(), (int) x.rows(), hidden, inter, numExperts,
                        topK, gateUp.weight().addr(), down.addr(), asc(expertIds).addr(),
                        f32(routingWeights).addr(), f32(out).addr(), cd));
    }

    /** MindIE's packed gate_up: weight [E, 2I, H] (w1 rows then w3 rows per expert); scale [E, 2I] when int8. */
    private record GateUp(AscendTensor weight, AscendTensor scale) {}

    /** The packed gate_up of a layer, built once on the device. */
    private GateUp gateUp(ExpertWeights experts, int numExperts, int inter, int hidden) {
        GateUp g = fusedGateUp.get(experts);
        if (g != null) return g;
        boolean quant = experts.w1() instanceof QuantizedTensor;
        if (quant != experts.w3() instanceof QuantizedTensor || quant != experts.w2() instanceof QuantizedTensor) {
            throw new IllegalArgumentException("ascend backend: expert w1, w3, w2 must be all quantized or all float");
        }
        AscendTensor w1 = quant ? int8(quantized(experts.w1()).weight()) : computeWeight(experts.w1());
        AscendTensor w3 = quant ? int8(quantized(experts.w3()).weight()) : computeWeight(experts.w3());
        AscendTensor fused = interleave(w1, w3, numExperts, (long) inter * hidden * w1.dtype().elemBytes, 2L * inter,
                hidden);
        AscendTensor scale = null;
        if (quant) {
            scale = interleave(f32(quantized(experts.w1()).scale()), f32(quantized(experts.w3()).scale()), numExperts,
                    4L * inter, 2L * inter);
        }
        g = new GateUp(fused, scale);
        fusedGateUp.put(experts, g);
        return g;
    }

    /** Per expert e: a's block e then b's block e (each {@code block} bytes), as a new tensor of {@code shape} after E. */
    private AscendTensor interleave(AscendTensor a, AscendTensor b, int numExperts, long block, long... shape) {
        long[] full = new long[shape.length + 1];
        full[0] = numExperts;
        System.arraycopy(shape, 0, full, 1, shape.length);
        AscendTensor fused = alloc(a.dtype(), full);
        for (int e = 0; e < numExperts; e++) {
            long dst = fused.address() + 2 * e * block;
            long src1 = a.addr() + e * block;
            long src3 = b.addr() + e * block;
            run("aclrtMemcpy(D2D) gate_up", () -> AscendNative.tna_copy(dev, dst, src1, block));
            run("aclrtMemcpy(D2D) gate_up", () -> AscendNative.tna_copy(dev, dst + block, src3, block));
        }
        return fused;
    }

    @Override
    public void add(DeviceTensor y, DeviceTensor x) {
        if (y.numElements() != x.numElements()) throw new IllegalArgumentException("add " + y + " + " + x);
        run("add (Elewise ADD)", () -> AscendNative.tna_add(dev, f32(y).addr(), f32(x).addr(), y.numElements()));
    }

    @Override
    public void gatherRows(DeviceTensor src, int[] rowIdx, DeviceTensor out) {
        AscendTensor s = f32(src);
        AscendTensor o = f32(out);
        long cols = src.rowElems();
        requireShape(out, rowIdx.length, cols);
        long rowBytes = cols * 4;
        for (int i = 0; i < rowIdx.length; i++) {
            if (rowIdx[i] < 0 || rowIdx[i] >= src.rows()) throw new IndexOutOfBoundsException("row " + rowIdx[i] + " of " + src);
            long dst = o.addr() + i * rowBytes;
            long from = s.addr() + rowIdx[i] * rowBytes;
            run("gatherRows (aclrtMemcpy D2D)", () -> AscendNative.tna_copy(dev, dst, from, rowBytes));
        }
    }

    // ---------------------------------------------------------------- tensor parallelism

    /** ATB AllReduce (f32 sum) on this rank's device thread; the other ranks' threads meet it there. */
    @Override
    public void allReduceSum(DeviceTensor t, HostCollectives ranks) {
        if (ranks.worldSize() == 1) return;
        requireGroup(ranks);
        AscendTensor a = f32(t);
        run("allReduceSum (ATB AllReduce, " + commBackend.atbName + ")", () -> AscendNative.tna_all_reduce_sum(dev,
                commBackend.atbName, hcclRank, hcclWorldSize, hcclComm, commDomain, a.addr(), t.numElements()));
    }

    /** ATB AllGather of f32 rows, rank-major ([rankSize, local...]), on this rank's device thread. */
    @Override
    public void allGather(DeviceTensor local, DeviceTensor out, HostCollectives ranks) {
        requireGroup(ranks);
        AscendTensor l = f32(local);
        AscendTensor o = f32(out);
        if (out.numElements() != local.numElements() * hcclWorldSize) {
            throw new IllegalArgumentException("allGather: out " + out + " is not " + hcclWorldSize + " x " + local);
        }
        run("allGather (ATB AllGather, " + commBackend.atbName + ")", () -> AscendNative.tna_all_gather(dev,
                commBackend.atbName, hcclRank, hcclWorldSize, hcclComm, commDomain, l.addr(), local.numElements(),
                o.addr()));
    }

    /** The HCCL group must be the one the caller's ranks describe: a mismatch would pair wrong ranks. */
    private void requireGroup(HostCollectives ranks) {
        if (hcclComm == 0) {
            throw new IllegalStateException("ascend device " + deviceId + " is in no HCCL group: the backends of a"
                    + " tensor-parallel group must be made together (BackendKind.createGroup)");
        }
        if (ranks.rank() != hcclRank || ranks.worldSize() != hcclWorldSize) {
            throw new IllegalStateException("ascend device " + deviceId + " is HCCL rank " + hcclRank + " of "
                    + hcclWorldSize + ", called as rank " + ranks.rank() + " of " + ranks.worldSize());
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            on(() -> {
                int destroyed = hcclComm == 0 || hcclDestroyed ? 0 : AscendNative.tna_hccl_destroy(dev, hcclComm);
                String destroyError = destroyed == 0 ? "" : AscendNative.tna_last_error();
                hcclComm = 0;
                for (AscendTensor t : owned) {
                    AscendNative.tna_free(dev, t.address());
                    t.markFreed();
                }
                owned.clear();
                check(AscendNative.tna_close(dev), "close device");
                if (destroyed != 0) {
                    throw new AscendException("ascend device " + deviceId + ": HcclCommDestroy failed: " + destroyError
                            + " [status " + destroyed + "]");
                }
                return null;
            });
        } finally {
            thread.shutdownNow();
            release(deviceId);
        }
    }

    /** The native device handle, for the tests that call the facade from a foreign thread. */
    long handleForTests() {
        return dev;
    }

    /** This rank's HcclComm handle, for the tests that call the facade from a foreign thread. */
    long hcclForTests() {
        return hcclComm;
    }

    /** The group's collective backend and commDomain, for the tests that call the facade themselves. */
    CommBackend commBackendForTests() {
        return commBackend;
    }

    String commDomainForTests() {
        return commDomain;
    }

    /**
     * This rank's all-reduce of {@code t}'s bytes with the params the tests misuse: ATB backend string,
     * allReduceType, the aclDataType the bytes are described as, and {@code withhold} bytes less
     * workspace than Setup asked for.
     */
    void probeAllReduceForTests(DeviceTensor t, String backend, String allReduceType, int aclDtype, long withhold) {
        AscendTensor a = asc(t);
        run("probe AllReduce", () -> AscendNative.tna_probe_all_reduce(dev, backend, hcclRank, hcclWorldSize, hcclComm,
                commDomain, allReduceType, aclDtype, a.addr(), a.byteSize(), withhold));
    }

    /** HcclCommDestroy now, keeping the handle, so that a later collective uses a destroyed communicator. */
    void destroyHcclForTests() {
        run("HcclCommDestroy", () -> AscendNative.tna_hccl_destroy(dev, hcclComm));
        hcclDestroyed = true;
    }

    /** Runs one of the facade's deliberate-misuse probes (tna_probe) on the device thread. */
    void probeForTests(int which) {
        run("probe " + which, () -> AscendNative.tna_probe(dev, which));
    }

    // ---------------------------------------------------------------- checks

    private static AscendTensor asc(DeviceTensor t) {
        if (t instanceof AscendTensor a) return a;
        throw new IllegalArgumentException("tensor " + t + " does not belong to the ascend backend");
    }

    private static AscendTensor f32(DeviceTensor t) {
        AscendTensor a = asc(t);
        if (a.dtype() != DType.F32) throw new IllegalArgumentException("expected an f32 tensor, got " + a);
        return a;
    }

    private static QuantizedTensor quantized(DeviceTensor t) {
        if (t instanceof QuantizedTensor q) return q;
        throw new IllegalArgumentException("expected a quantized weight, got " + t);
    }

    private static AscendTensor int8(DeviceTensor t) {
        AscendTensor a = asc(t);
        if (a.dtype() != DType.I8) throw new IllegalArgumentException("expected an int8 tensor, got " + a);
        return a;
    }

    /** A float weight in this backend's compute dtype (weights load in the precision's dtype). */
    private AscendTensor computeWeight(DeviceTensor t) {
        AscendTensor a = asc(t);
        if (a.dtype() != precision.weightDtype) {
            throw new IllegalArgumentException("ascend backend expects " + precision.weightDtype + " weights, got " + a);
        }
        return a;
    }

    private static void requireShape(DeviceTensor t, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        if (t.numElements() != n || t.rows() != dims[0]) {
            throw new IllegalArgumentException("tensor " + t + " should be " + Arrays.toString(dims));
        }
    }
}
