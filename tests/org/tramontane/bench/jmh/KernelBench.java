package org.tramontane.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tramontane.config.ActivationQuant;
import org.tramontane.backend.AttentionBatch;
import org.tramontane.backend.AttentionMetadata;
import org.tramontane.config.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.KvCache;
import org.tramontane.backend.KvCacheSpec;
import org.tramontane.config.Precision;
import org.tramontane.backend.QkvLayout;
import org.tramontane.backend.cpu.CpuBackend;
import org.tramontane.backend.cpu.CpuPlatform;

/**
 * Microbenchmarks of the CPU kernels at mixtral-mini's shapes (hidden 1024, intermediate 3584,
 * 8 experts top-2, 16 heads / 4 KV heads of 64), one native call per invocation. Not run by CI:
 * {@code mvn -B -Pjmh -DskipTests test-compile exec:exec -Djmh.args="KernelBench"}.
 * Convert times to rates by hand: linear = 2 * rows * k * n FLOPs, n * k * elemBytes weight bytes.
 * Linear weights rotate over copies larger than the last-level cache, so decode shapes stream DRAM.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class KernelBench {
    static final int HIDDEN = 1024;
    static final int INTER = 3584;
    static final int EXPERTS = 8;
    static final int TOP_K = 2;
    /** Copies of the linear weight cycled through: 8 x 7.3 MB (bf16) is beyond a 32 MiB L3. */
    static final int COPIES = 8;

    @State(Scope.Benchmark)
    public static class LinearState {
        /** A float weight dtype, or w8a8: int8 weights and per-token int8 activations (W8A8 dynamic). */
        @Param({"bf16", "fp16", "fp32", "w8a8"})
        public String dtype;

        @Param({"1", "8", "32", "512"})
        public int rows;

        /** panels: float weights handed to forLinear (the engine's layout); rows: row-major as stored. */
        @Param({"panels", "rows"})
        public String layout;

        @Param({"2"})
        public int threads;

        CpuBackend backend;
        DeviceTensor x;
        DeviceTensor out;
        DeviceTensor[] weights = new DeviceTensor[COPIES];
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            CpuPlatform.get().setThreads(threads);
            boolean w8a8 = dtype.equals("w8a8");
            DType d = w8a8 ? DType.BF16 : DType.fromCli(dtype);
            backend = new CpuBackend(Precision.of(d));
            x = backend.randomWeight(DType.F32, 1, 1f, rows, HIDDEN);
            out = backend.allocate(DType.F32, rows, INTER);
            for (int i = 0; i < COPIES; i++) {
                if (w8a8) {
                    DeviceTensor f = backend.randomWeight(DType.F32, 10 + i, 0.03f, INTER, HIDDEN);
                    weights[i] = backend.quantizeWeight(f, 0, HIDDEN, ActivationQuant.INT8_PER_TOKEN);
                    backend.free(f);
                } else {
                    weights[i] = backend.randomWeight(d, 10 + i, 0.03f, INTER, HIDDEN);
                    if (layout.equals("panels")) weights[i] = backend.forLinear(weights[i]);
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
        }
    }

    /** One expert up-projection [rows, 1024] x [3584, 1024]^T. */
    @Benchmark
    public DeviceTensor linear(LinearState s) {
        s.next = (s.next + 1) % COPIES;
        s.backend.linear(s.x, s.weights[s.next], s.out);
        return s.out;
    }

    @State(Scope.Benchmark)
    public static class MoeState {
        @Param({"1", "8", "32", "512"})
        public int tokens;

        /** panels: experts handed to forLinear (the engine's layout); rows: row-major as stored. */
        @Param({"panels", "rows"})
        public String layout;

        @Param({"2"})
        public int threads;

        CpuBackend backend;
        DeviceTensor x;
        DeviceTensor gate;
        DeviceTensor ids;
        DeviceTensor weightsOut;
        DeviceTensor out;
        ExpertWeights experts;

        @Setup(Level.Trial)
        public void setUp() {
            CpuPlatform.get().setThreads(threads);
            backend = new CpuBackend(Precision.BF16);
            x = backend.randomWeight(DType.F32, 1, 1f, tokens, HIDDEN);
            gate = backend.randomWeight(DType.F32, 2, 0.03f, EXPERTS, HIDDEN);
            ids = backend.allocate(DType.I32, tokens, TOP_K);
            weightsOut = backend.allocate(DType.F32, tokens, TOP_K);
            out = backend.allocate(DType.F32, tokens, HIDDEN);
            experts = new ExpertWeights(backend.randomWeight(DType.BF16, 3, 0.03f, EXPERTS, INTER, HIDDEN),
                    backend.randomWeight(DType.BF16, 4, 0.03f, EXPERTS, INTER, HIDDEN),
                    backend.randomWeight(DType.BF16, 5, 0.017f, EXPERTS, HIDDEN, INTER));
            if (layout.equals("panels")) {
                experts = new ExpertWeights(backend.forLinear(experts.w1()), backend.forLinear(experts.w3()),
                        backend.forLinear(experts.w2()));
            }
            backend.moeGate(x, gate, ids, weightsOut);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
        }
    }

    /** One MoE layer (bf16 experts, tokens grouped per expert), routing fixed at setup. */
    @Benchmark
    public DeviceTensor moeExperts(MoeState s) {
        s.backend.moeExperts(s.x, s.experts, s.ids, s.weightsOut, s.out);
        return s.out;
    }

    @State(Scope.Benchmark)
    public static class AttentionState {
        @Param({"512", "4096"})
        public int context;

        @Param({"1", "512"})
        public int queries;

        @Param({"2"})
        public int threads;

        CpuBackend backend;
        QkvLayout layout = new QkvLayout(16, 4, 64);
        DeviceTensor qkv;
        DeviceTensor out;
        KvCache cache;
        AttentionBatch batch;

        @Setup(Level.Trial)
        public void setUp() {
            CpuPlatform.get().setThreads(threads);
            backend = new CpuBackend(Precision.BF16);
            int blockSize = 128;
            int blocks = (context + blockSize - 1) / blockSize;
            cache = backend.allocateKvCache(new KvCacheSpec(blocks, blockSize, 4, 64, DType.BF16));
            // fill every position of the cache once, then attend with the last `queries` positions
            DeviceTensor all = backend.randomWeight(DType.F32, 7, 1f, context, layout.width());
            int[] pos = new int[context];
            int[] seq = new int[context];
            int[] table = new int[blocks];
            for (int i = 0; i < context; i++) pos[i] = i;
            for (int b = 0; b < blocks; b++) table[b] = b;
            AttentionBatch fill = batch(pos, seq, table);
            backend.reshapeAndCache(all, layout, cache, fill);
            int[] qpos = new int[queries];
            for (int i = 0; i < queries; i++) qpos[i] = context - queries + i;
            batch = batch(qpos, new int[queries], table);
            qkv = backend.randomWeight(DType.F32, 8, 1f, queries, layout.width());
            out = backend.allocate(DType.F32, queries, layout.qSize());
        }

        private AttentionBatch batch(int[] pos, int[] seq, int[] table) {
            int n = pos.length;
            DeviceTensor p = backend.allocate(DType.I32, n);
            DeviceTensor s = backend.allocate(DType.I32, n);
            DeviceTensor t = backend.allocate(DType.I32, 1, table.length);
            backend.write(p, pos);
            backend.write(s, seq);
            backend.write(t, table);
            AttentionMetadata m = AttentionMetadata.of(seq, pos, 1, table.length);
            return new AttentionBatch(m, s, p, p, t, i32(m.queryStartLoc()), i32(m.queryLens()), i32(m.seqLens()),
                    i32(m.computedLens())); // slot = position: table is identity
        }

        private DeviceTensor i32(int[] v) {
            DeviceTensor t = backend.allocate(DType.I32, v.length);
            backend.write(t, v);
            return t;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
        }
    }

    /**
     * Paged attention over a bf16 cache of 512 or 4096 positions: 1 query (decode) or the last 512
     * (a causal prefill, or the last chunk of a long one).
     */
    @Benchmark
    public DeviceTensor pagedAttention(AttentionState s) {
        s.backend.pagedAttention(s.qkv, s.layout, s.cache, s.batch, 0, s.out);
        return s.out;
    }
}
