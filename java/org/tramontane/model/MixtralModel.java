package org.tramontane.model;

import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tramontane.backend.AttentionBatch;
import org.tramontane.backend.AttentionMetadata;
import org.tramontane.backend.Backend;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.KvCache;
import org.tramontane.backend.KvCacheSpec;
import org.tramontane.backend.QkvLayout;
import org.tramontane.parallel.Communicator;
import org.tramontane.parallel.ShardingPlan;

/**
 * The Mixtral forward pass (HF MixtralForCausalLM), written against {@link Backend} only: each
 * line below is one backend call, in the order of DESIGN.md's pseudocode.
 */
public final class MixtralModel implements CausalLm {
    private final MixtralConfig cfg;
    private final Backend backend;
    private final MixtralWeights weights;
    private final ShardingPlan plan;
    private final Communicator comm;
    private final QkvLayout qkvLayout;
    private final float eps;
    private final float theta;
    private final int window;
    private final DType kvCacheDtype;
    private final List<KvCache> kvCaches = new ArrayList<>();
    private StepBuffers buffers;
    // Host copies of the logits, grow-only: a batch's row count changes from step to step (chunked
    // prefill, sequences finishing), and each new 32-row array was a 4 MB humongous allocation that
    // G1 places in regions of its own, growing the heap's resident set.
    private float[][] hostRows = new float[0][];
    private float[] hostLogits = new float[0];   // [worldSize][logits rows][vocabPerRank] in its first elements

    public MixtralModel(MixtralConfig cfg, Backend backend, MixtralWeights weights) {
        this(cfg, backend, weights, ShardingPlan.single(cfg), Communicator.single());
    }

    /** One tensor-parallel rank: weights already sharded by {@code plan}; the KV cache in the compute dtype. */
    public MixtralModel(MixtralConfig cfg, Backend backend, MixtralWeights weights, ShardingPlan plan, Communicator comm) {
        this(cfg, backend, weights, plan, comm, backend.precision().kvCacheDtype);
    }

    /** One tensor-parallel rank whose KV cache stores {@code kvCacheDtype}. */
    public MixtralModel(MixtralConfig cfg, Backend backend, MixtralWeights weights, ShardingPlan plan, Communicator comm,
            DType kvCacheDtype) {
        this.cfg = cfg;
        this.backend = backend;
        this.weights = weights;
        this.plan = plan;
        this.comm = comm;
        this.qkvLayout = new QkvLayout(plan.numHeadsPerRank(), plan.numKvHeadsPerRank(), cfg.headDim());
        this.eps = (float) cfg.rmsNormEps();
        this.theta = (float) cfg.ropeTheta();
        this.window = cfg.slidingWindow() == null ? 0 : cfg.slidingWindow();
        this.kvCacheDtype = kvCacheDtype;
    }

    public MixtralConfig config() {
        return cfg;
    }

    @Override
    public int vocabSize() {
        return cfg.vocabSize();
    }

    @Override
    public int slidingWindow() {
        return window;
    }

    @Override
    public void allocateKvCache(int numBlocks, int blockSize) {
        if (!kvCaches.isEmpty()) throw new IllegalStateException("KV cache already allocated");
        KvCacheSpec spec = new KvCacheSpec(numBlocks, blockSize, qkvLayout.numKvHeads(), cfg.headDim(), kvCacheDtype);
        MemoryBudget.require("the KV cache of " + numBlocks + " blocks of " + blockSize + " positions",
                spec.bytesPerLayer() * cfg.numLayers());
        for (int l = 0; l < cfg.numLayers(); l++) kvCaches.add(backend.allocateKvCache(spec));
    }

    @Override
    public float[][] forward(ForwardBatch batch) {
        return forward(batch, null);
    }

    /** One step; {@code trace} (may be null) observes router decisions. */
    public float[][] forward(ForwardBatch batch, StepTrace trace) {
        if (kvCaches.isEmpty()) throw new IllegalStateException("allocateKvCache first");
        int numTokens = batch.numTokens();
        AttentionBatch attn = upload(batch, batch.logitsIdx().length);
        Step s = new Step(numTokens);

        backend.embedding(weights.embedTokens(), s.ids, s.h);                         // h = embed(tokens)
        for (int l = 0; l < cfg.numLayers(); l++) {
            LayerWeights w = weights.layers().get(l);
            backend.rmsNorm(s.h, w.inputNorm(), eps, s.x);                             // x = rmsNorm(h, in_norm)
            backend.linear(s.x, w.wqkv(), s.qkv);                                      // q,k,v = x Wqkv
            backend.rope(s.qkv, qkvLayout, attn, theta);                               // rotate-half RoPE
            backend.reshapeAndCache(s.qkv, qkvLayout, kvCaches.get(l), attn);          // k,v -> paged cache
            backend.pagedAttention(s.qkv, qkvLayout, kvCaches.get(l), attn, window, s.attn);
            backend.linear(s.attn, w.wo(), s.delta);                                   // o_proj (row-parallel)
            backend.allReduceSum(s.delta, comm);                                       // sum over ranks
            backend.add(s.h, s.delta);                                                 // h += attention
            backend.rmsNorm(s.h, w.postNorm(), eps, s.x);                              // x = rmsNorm(h, post_norm)
            backend.moeGate(s.x, w.router(), s.expertIds, s.routingWeights);           // softmax, top-k, renormalise
            backend.moeExperts(s.x, w.experts(), s.expertIds, s.routingWeights, s.delta);
            backend.allReduceSum(s.delta, comm);                                       // sum over ranks
            backend.add(s.h, s.delta);                                                 // h += moe
            if (trace != null) traceRouter(trace, l, s);
        }
        int[] rows = batch.logitsIdx();
        if (rows.length == 0) { // a step of prefill chunks only (same on every rank)
            backend.endStep();
            return new float[0][];
        }
        int vocabPerRank = plan.vocabPerRank();
        DeviceTensor last = backend.firstRows(buffers.last, rows.length);
        DeviceTensor normed = backend.firstRows(buffers.normed, rows.length);
        DeviceTensor logits = backend.firstRows(buffers.logits, rows.length);
        backend.gatherRows(s.h, rows, last);                                           // last position of each seq
        backend.rmsNorm(last, weights.finalNorm(), eps, normed);                       // final norm
        backend.linear(normed, weights.lmHead(), logits);                              // lm_head (vocab-split)
        int ws = plan.worldSize();
        DeviceTensor gathered = ws == 1 ? logits : backend.firstRows(buffers.gathered, (long) ws * rows.length);
        if (ws > 1) backend.allGather(logits, gathered, comm);                         // [rank][row][vocabPerRank]
        int flat = ws * rows.length * vocabPerRank;
        if (hostLogits.length < flat) hostLogits = new float[flat];
        backend.read(gathered, hostLogits, flat);
        // reused across steps: a step's logits are only read before the next step
        if (hostRows.length < rows.length) {
            float[][] grown = Arrays.copyOf(hostRows, rows.length);
            for (int i = hostRows.length; i < rows.length; i++) grown[i] = new float[cfg.vocabSize()];
            hostRows = grown;
        }
        float[][] out = rows.length == hostRows.length ? hostRows : Arrays.copyOf(hostRows, rows.length);
        for (int r = 0; r < plan.worldSize(); r++) {
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(hostLogits, (r * rows.length + i) * vocabPerRank, out[i], r * vocabPerRank, vocabPerRank);
            }
        }
        backend.endStep();
        return out;
    }

    /** Views of the step buffers sized to this step's tokens. */
    private final class Step {
        final DeviceTensor ids, h, x, qkv, attn, delta, expertIds, routingWeights;

        Step(int n) {
            ids = backend.firstRows(buffers.ids, n);
            h = backend.firstRows(buffers.h, n);
            x = backend.firstRows(buffers.x, n);
            qkv = backend.firstRows(buffers.qkv, n);
            attn = backend.firstRows(buffers.attn, n);
            delta = backend.firstRows(buffers.delta, n);
            expertIds = backend.firstRows(buffers.expertIds, n);
            routingWeights = backend.firstRows(buffers.routingWeights, n);
        }
    }

    private AttentionBatch upload(ForwardBatch b, int logitsRows) {
        int n = b.numTokens();
        int numSeqs = b.numSeqs();
        int maxBlocks = 1;
        for (int[] t : b.blockTables()) maxBlocks = Math.max(maxBlocks, t.length);
        if (buffers == null || !buffers.fits(n, numSeqs, maxBlocks, logitsRows)) {
            int tokens = Math.max(n, buffers == null ? 0 : buffers.maxTokens);
            int seqs = Math.max(numSeqs, buffers == null ? 0 : buffers.maxSeqs);
            int blocks = Math.max(maxBlocks, buffers == null ? 0 : buffers.maxBlocksPerSeq);
            int logitRows = Math.max(logitsRows, buffers == null ? 0 : buffers.maxLogitsRows);
            if (buffers != null) buffers.free(backend);
            buffers = new StepBuffers(backend, cfg, qkvLayout, tokens, seqs, blocks, logitRows, plan.vocabPerRank(),
                    plan.worldSize());
        }
        int[] tables = new int[numSeqs * maxBlocks];
        for (int s = 0; s < numSeqs; s++) {
            System.arraycopy(b.blockTables()[s], 0, tables, s * maxBlocks, b.blockTables()[s].length);
        }
        AttentionMetadata meta = AttentionMetadata.of(b.seqIdx(), b.positions(), numSeqs, maxBlocks);  // once per step
        backend.write(buffers.ids, b.tokenIds());
        backend.write(buffers.positions, b.positions());
        backend.write(buffers.seqIdx, b.seqIdx());
        backend.write(buffers.slotMapping, b.slotMapping());
        backend.write(buffers.blockTables, tables);
        backend.write(buffers.queryStartLoc, meta.queryStartLoc());
        backend.write(buffers.queryLens, meta.queryLens());
        backend.write(buffers.seqLens, meta.seqLens());
        backend.write(buffers.computedLens, meta.computedLens());
        return new AttentionBatch(meta, backend.firstRows(buffers.seqIdx, n), backend.firstRows(buffers.positions, n),
                backend.firstRows(buffers.slotMapping, n),
                backend.reshape(backend.firstRows(buffers.blockTables, (long) numSeqs * maxBlocks), numSeqs, maxBlocks),
                backend.firstRows(buffers.queryStartLoc, numSeqs + 1L), backend.firstRows(buffers.queryLens, numSeqs),
                backend.firstRows(buffers.seqLens, numSeqs), backend.firstRows(buffers.computedLens, numSeqs));
    }

    private void traceRouter(StepTrace trace, int layer, Step s) {
        int n = (int) s.expertIds.numElements();
        int[] ids = new int[n];
        float[] w = new float[n];
        backend.read(s.expertIds, ids);
        backend.read(s.routingWeights, w);
        trace.router(layer, ids, w);
    }

    @Override
    public void close() {
        if (buffers != null) buffers.free(backend);
        buffers = null;
        for (KvCache c : kvCaches) {
            backend.free(c.keys());
            backend.free(c.values());
        }
        kvCaches.clear();
    }
}
