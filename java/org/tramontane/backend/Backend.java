package org.tramontane.backend;

import org.tramontane.config.ActivationQuant;

import org.tramontane.config.Precision;

import org.tramontane.config.DType;

/**
 * The only seam between the engine and compute. Operations sit at the granularity of ATB
 * operations (Linear, RmsNorm, Rope, ReshapeAndCache, PagedAttention, MoE gating, grouped expert
 * matmul, Elewise), one native call each, so an Ascend backend maps each method to one
 * operation. Activations are [rows, cols] in the backend's compute dtype,
 * {@link #activationDtype()} (f32 on the cpu backend, fp16 / bf16 on an NPU, whose operations take
 * no other); the logits the engine reads back are f32. Weights carry their own dtype. No method
 * knows what Mixtral is.
 */
public interface Backend extends AutoCloseable {

    String name();

    /** The precision this backend instance computes in (DESIGN.md, Precision). */
    Precision precision();

    /**
     * The dtype of the activations inside a block (the residual stream, normed inputs, qkv,
     * attention and MoE outputs, routing weights): the operations take and give these without a
     * round trip through f32. Logits are f32 whatever it is.
     */
    default DType activationDtype() {
        return DType.F32;
    }

    // ---- memory ----

    /** Zero-filled tensor. */
    DeviceTensor allocate(DType dtype, long... shape);

    /** The same memory seen with another shape of the same element count (no copy). */
    DeviceTensor reshape(DeviceTensor t, long... shape);

    /** A view of the first {@code rows} rows of {@code t} (no copy). */
    DeviceTensor firstRows(DeviceTensor t, long rows);

    /**
     * Loads a weight from disk converted to {@code target}; {@code parts} are concatenated along
     * the first axis (fused QKV, stacked experts). Every part must have the same trailing shape.
     */
    DeviceTensor loadWeight(DType target, WeightRef... parts);

    /** A linear weight of int8 values [..., n, k] and one f32 scale per output row [..., n]. */
    DeviceTensor quantizedWeight(DeviceTensor int8Weight, DeviceTensor scale, ActivationQuant activation);

    /**
     * Hands over a weight that from now on only {@link #linear} or {@link #moeExperts} read (a
     * linear [n, k] or stacked experts [E, n, k]): the backend may lay it out afresh for its
     * kernels, in place. Pass the returned tensor to those operations instead; the argument is
     * not to be used again. Default: the weight as it is.
     */
    default DeviceTensor forLinear(DeviceTensor weight) {
        return weight;
    }

    /** Deterministic pseudo-random weight of the given shape ({@code --load-format dummy}). */
    default DeviceTensor randomWeight(DType target, long seed, float scale, long... shape) {
        return randomWeight(target, RandomRef.whole(seed, scale, shape));
    }

    /**
     * Blocks of deterministic random tensors in {@code target}, concatenated along the first axis
     * like {@link #loadWeight}'s parts: each block holds exactly the values those elements have in
     * the whole tensor, so a shard of a random weight is that shard of the unsharded one.
     */
    DeviceTensor randomWeight(DType target, RandomRef... parts);

    /**
     * Quantizes a float weight [..., n, k] to symmetric per-output-row int8 (W8A8 dynamic / W8A16
     * storage): {@code scale[row] = max |w[row, :]| / 127} over the whole row, {@code q =
     * clamp(round_half_away(w / scale), -127, 127)} with the division in f32, keeping only the
     * columns {@code [firstCol, firstCol + numCols)} (a row-parallel shard's slice, scaled as the
     * unsharded weight is). Returns a new {@link QuantizedTensor} [..., n, numCols] with scales
     * [..., n]; {@code weight} is left as it was. Throws IllegalArgumentException for a NaN or
     * infinite weight.
     */
    DeviceTensor quantizeWeight(DeviceTensor weight, long firstCol, long numCols, ActivationQuant activation);

    /**
     * {@link #quantizeWeight} of an f32 weight [rows, k] into rows {@code [firstRow, firstRow + rows)}
     * of {@code into}, a {@link QuantizedTensor} [n, numCols] with scales [n] made from two
     * {@link #allocate}d tensors: a weight can then be quantized a few rows at a time, and its float
     * values never need to be in memory whole.
     */
    void quantizeWeightInto(DeviceTensor weight, long firstCol, long numCols, DeviceTensor into, long firstRow);

    void write(DeviceTensor dst, int[] src);

    void write(DeviceTensor dst, float[] src);

    default void read(DeviceTensor src, float[] dst) {
        read(src, dst, dst.length);
    }

    /** The first {@code length} elements of src into dst[0, length) (a grow-only host buffer). */
    void read(DeviceTensor src, float[] dst, int length);

    void read(DeviceTensor src, int[] dst);

    /** Releases one tensor made by allocate/loadWeight/randomWeight (views are not freed). */
    void free(DeviceTensor t);

    // ---- operations ----

    /** out[t] = table[ids[t]] (ids int32 [numTokens], checked against the table's rows). */
    void embedding(DeviceTensor table, DeviceTensor ids, DeviceTensor out);

    /** out = x / sqrt(mean(x^2) + eps) * weight, per row. */
    void rmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor out);

    /** out[m, n] = x[m, :] . weight[n, :]  (weight [n, k], float or {@link QuantizedTensor}). */
    void linear(DeviceTensor x, DeviceTensor weight, DeviceTensor out);

    /**
     * Rotate-half RoPE in place on the q and k columns of a fused qkv activation, token t at
     * {@code batch.positions()[t]} ({@code batch.meta().maxSeqLen()} bounds them).
     */
    void rope(DeviceTensor qkv, QkvLayout layout, AttentionBatch batch, float theta);

    /**
     * Refuses, with a one-line {@link org.tramontane.config.UserException} naming {@code --kv-cache-dtype},
     * a KV cache dtype this backend cannot store; called before any weight is loaded.
     */
    void checkKvCacheDtype(DType dtype);

    /**
     * Whether a prefill may start past position 0, its queries attending to keys an earlier step (or
     * another sequence's prefill) left in the cache, as prefix caching needs (the engine turns it off
     * for a backend answering no). Default: yes.
     */
    default boolean prefillsAfterCachedPrefix() {
        return true;
    }

    /** A paged KV cache for one layer. */
    KvCache allocateKvCache(KvCacheSpec spec);

    /** Writes each token's k and v (from qkv) into its slot of the layer's cache. */
    void reshapeAndCache(DeviceTensor qkv, QkvLayout layout, KvCache cache, AttentionBatch batch);

    /**
     * Causal attention of every query token over its sequence's cached keys, limited to the last
     * {@code window} positions when window > 0; GQA by layout. out [numTokens, numHeads * headDim].
     * Under a window, block-table entries wholly before it name blocks the engine gave back (a block
     * the sequence still holds): read only the window's blocks.
     */
    void pagedAttention(DeviceTensor qkv, QkvLayout layout, KvCache cache, AttentionBatch batch,
            int window, DeviceTensor out);

    /**
     * Router: softmax(x . gate^T) in f32 over all experts, top-k, renormalised. expertIds int32
     * [numTokens, topK], routingWeights [numTokens, topK] in x's dtype, descending weight.
     */
    void moeGate(DeviceTensor x, DeviceTensor gate, DeviceTensor expertIds, DeviceTensor routingWeights);

    /** out[t] = sum_j w[t,j] * expert_{id[t,j]}(x[t]) with SwiGLU experts, grouped per expert. */
    void moeExperts(DeviceTensor x, ExpertWeights experts, DeviceTensor expertIds,
            DeviceTensor routingWeights, DeviceTensor out);

    /** y += x (same shape). */
    void add(DeviceTensor y, DeviceTensor x);

    /** out[i] = src[rowIdx[i]] for float tensors (rowIdx on the host). */
    void gatherRows(DeviceTensor src, int[] rowIdx, DeviceTensor out);

    /**
     * The forward step's last call (after its logits are read, or after its last layer when it
     * wants none): a backend that counts its device work per step reports it here. Default: nothing.
     */
    default void endStep() {}

    // ---- tensor parallelism ----

    /**
     * In place on every rank of {@code ranks}: t = the sum of all ranks' t (an activation, same shape
     * and dtype on every rank). Every rank must call it, each from its own thread, in the same order as the other
     * collectives. This default reads t to the host, sums through {@code ranks} (rank order, f32:
     * bit-identical on every rank) and writes it back; a backend with device collectives overrides it.
     */
    default void allReduceSum(DeviceTensor t, HostCollectives ranks) {
        if (ranks.worldSize() == 1) return;
        float[] host = new float[Math.toIntExact(t.numElements())];
        read(t, host);
        ranks.allReduceSum(host);
        write(t, host);
    }

    /**
     * out [worldSize * rows, cols] = every rank's {@code local} [rows, cols] (f32), stacked in rank
     * order. Every rank must call it, as {@link #allReduceSum}. This default goes through the host.
     */
    default void allGather(DeviceTensor local, DeviceTensor out, HostCollectives ranks) {
        if (out.numElements() != local.numElements() * ranks.worldSize()) {
            throw new IllegalArgumentException("allGather: out holds " + out.numElements() + " elements, not "
                    + ranks.worldSize() + " x " + local.numElements());
        }
        float[] host = new float[Math.toIntExact(local.numElements())];
        read(local, host);
        write(out, ranks.allGather(host));
    }

    @Override
    void close();
}
