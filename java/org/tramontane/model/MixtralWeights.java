package org.tramontane.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import org.tramontane.backend.Backend;
import org.tramontane.backend.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.QuantizedTensor;
import org.tramontane.backend.WeightRef;
import org.tramontane.parallel.ShardingPlan;
import org.tramontane.parallel.ShardingPlan.Role;
import org.tramontane.parallel.Split;
import org.tramontane.parallel.TensorShard;
import org.tramontane.quant.QuantDescription;
import org.tramontane.quant.QuantScheme;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.PreShardedNames;
import org.tramontane.weights.TensorInfo;

/**
 * All weights of a Mixtral model on one backend, laid out for the forward pass: QKV fused,
 * experts stacked, linear weights in the precision's dtype, norms and router in f32 (DESIGN.md,
 * Precision).
 *
 * @param embedTokens [vocab, hidden] in the precision's dtype
 * @param finalNorm   f32 [hidden]
 * @param lmHead      [vocab, hidden]
 */
public record MixtralWeights(DeviceTensor embedTokens, List<LayerWeights> layers, DeviceTensor finalNorm,
        DeviceTensor lmHead) {

    /**
     * Binds a checkpoint (already validated against the config) on one rank. Quantized linears
     * (config {@code quantize}, per-tensor labels in {@code quant}) stay int8 with their per-channel
     * scales; everything else is converted to the precision's dtype.
     *
     * @param quant the checkpoint's quant description, null for a float checkpoint
     */
    public static MixtralWeights load(Checkpoint ckpt, MixtralConfig cfg, Backend backend, ShardingPlan plan,
            QuantDescription quant) {
        Linears lin = new Linears(ckpt, backend, quant);
        DType wd = backend.precision().weightDtype;
        int e = cfg.numExperts();
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < cfg.numLayers(); l++) {
            final int layer = l;
            layers.add(new LayerWeights(
                    backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.inputLayerNorm(l))),
                    lin.load(List.of(MixtralWeightNames.qProj(l), MixtralWeightNames.kProj(l), MixtralWeightNames.vProj(l)),
                            List.of(plan.shard(Role.Q_PROJ), plan.shard(Role.K_PROJ), plan.shard(Role.V_PROJ))),
                    lin.load(List.of(MixtralWeightNames.oProj(l)), List.of(plan.shard(Role.O_PROJ))),
                    backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.postAttentionLayerNorm(l))),
                    backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.router(l))),
                    new ExpertWeights(
                            reshape3(backend, lin.experts(e, x -> MixtralWeightNames.expertW1(layer, x), plan.shard(Role.EXPERT_W1)), e),
                            reshape3(backend, lin.experts(e, x -> MixtralWeightNames.expertW3(layer, x), plan.shard(Role.EXPERT_W3)), e),
                            reshape3(backend, lin.experts(e, x -> MixtralWeightNames.expertW2(layer, x), plan.shard(Role.EXPERT_W2)), e))));
        }
        DeviceTensor embed = backend.loadWeight(wd, ref(ckpt, MixtralWeightNames.embedTokens()));
        String head = cfg.tieWordEmbeddings() ? MixtralWeightNames.embedTokens() : MixtralWeightNames.lmHead();
        DeviceTensor lmHead = plan.worldSize() == 1 && cfg.tieWordEmbeddings() ? embed
                : backend.loadWeight(wd, plan.shard(Role.LM_HEAD).of(ref(ckpt, head)));
        return new MixtralWeights(embed, List.copyOf(layers),
                backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.finalNorm())), lmHead);
    }

    /**
     * Binds one rank's file of a pre-sharded (tramontane layout) checkpoint: every tensor is
     * already cut and fused for this rank, so each is one straight copy.
     */
    public static MixtralWeights loadPreSharded(Checkpoint rank, MixtralConfig cfg, Backend backend) {
        DType wd = backend.precision().weightDtype;
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < cfg.numLayers(); l++) {
            layers.add(new LayerWeights(
                    backend.loadWeight(DType.F32, ref(rank, PreShardedNames.inputNorm(l))),
                    backend.loadWeight(wd, ref(rank, PreShardedNames.qkvProj(l))),
                    backend.loadWeight(wd, ref(rank, PreShardedNames.oProj(l))),
                    backend.loadWeight(DType.F32, ref(rank, PreShardedNames.postNorm(l))),
                    backend.loadWeight(DType.F32, ref(rank, PreShardedNames.router(l))),
                    new ExpertWeights(backend.loadWeight(wd, ref(rank, PreShardedNames.experts(l, "w1"))),
                            backend.loadWeight(wd, ref(rank, PreShardedNames.experts(l, "w3"))),
                            backend.loadWeight(wd, ref(rank, PreShardedNames.experts(l, "w2"))))));
        }
        return new MixtralWeights(backend.loadWeight(wd, ref(rank, PreShardedNames.embedTokens())), List.copyOf(layers),
                backend.loadWeight(DType.F32, ref(rank, PreShardedNames.finalNorm())),
                backend.loadWeight(wd, ref(rank, PreShardedNames.lmHead())));
    }

    /** Loads linear weights, float or int8 + scales, shards concatenated along the output axis. */
    private record Linears(Checkpoint ckpt, Backend backend, QuantDescription quant) {

        DeviceTensor experts(int n, IntFunction<String> name, TensorShard shard) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) names.add(name.apply(i));
            return load(names, java.util.Collections.nCopies(n, shard));
        }

        /** names[i] cut by shards[i], stacked: one weight [sum of rows, cols]. */
        DeviceTensor load(List<String> names, List<TensorShard> shards) {
            QuantScheme scheme = schemeOf(names);
            List<WeightRef> parts = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) parts.addAll(List.of(shards.get(i).of(ref(ckpt, names.get(i)))));
            if (scheme == null) return backend.loadWeight(backend.precision().weightDtype, parts.toArray(WeightRef[]::new));
            DeviceTensor w = backend.loadWeight(DType.I8, parts.toArray(WeightRef[]::new));
            // scales are per output row: they follow a row split (COLUMN) and stay whole for ROW
            List<WeightRef> scales = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                TensorShard sh = shards.get(i).split() == Split.ROW ? TensorShard.REPLICATED : shards.get(i);
                scales.addAll(List.of(sh.of(ref(ckpt, MixtralWeightNames.weightScale(names.get(i))))));
            }
            DeviceTensor s = backend.loadWeight(DType.F32, scales.toArray(WeightRef[]::new));
            return backend.quantizedWeight(w, backend.reshape(s, s.numElements()), scheme.activationMode);
        }

        /** The scheme of a group fused into one weight: all quantized alike, or all float (null). */
        private QuantScheme schemeOf(List<String> names) {
            if (quant == null) return null;
            QuantScheme first = quant.schemeOf(names.get(0)).orElse(null);
            for (String n : names) {
                if (quant.schemeOf(n).orElse(null) != first) {
                    throw new ConfigException(quant.file() + ": " + names.get(0) + " and " + n
                            + " are quantized differently; mixed schemes within one fused weight are not supported yet");
                }
            }
            return first;
        }
    }

    /**
     * Deterministic random weights of the config's shapes ({@code --load-format dummy}, as vLLM
     * calls it): uniform in +-1/sqrt(fan_in) for linears, ones for norms. Nothing is read from disk.
     */
    public static MixtralWeights dummy(MixtralConfig cfg, Backend backend, long seed, ShardingPlan plan) {
        if (plan.worldSize() != 1) {
            // each rank would draw different numbers: shards of one model need one draw, sliced
            throw new UnsupportedOperationException("--load-format dummy with --world-size > 1 is not supported yet");
        }
        DType wd = backend.precision().weightDtype;
        int h = cfg.hiddenSize();
        int inter = cfg.intermediateSize();
        int e = cfg.numExperts();
        float hScale = (float) (1 / Math.sqrt(h));
        float iScale = (float) (1 / Math.sqrt(inter));
        long s = seed;
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < cfg.numLayers(); l++) {
            layers.add(new LayerWeights(
                    ones(backend, h),
                    backend.randomWeight(wd, s++, hScale, cfg.qSize() + 2L * cfg.kvSize(), h),
                    backend.randomWeight(wd, s++, (float) (1 / Math.sqrt(cfg.qSize())), h, cfg.qSize()),
                    ones(backend, h),
                    backend.randomWeight(DType.F32, s++, hScale, e, h),
                    new ExpertWeights(backend.randomWeight(wd, s++, hScale, e, inter, h),
                            backend.randomWeight(wd, s++, hScale, e, inter, h),
                            backend.randomWeight(wd, s++, iScale, e, h, inter))));
        }
        DeviceTensor embed = backend.randomWeight(wd, s++, 1f, cfg.vocabSize(), h);
        DeviceTensor lmHead = cfg.tieWordEmbeddings() ? embed : backend.randomWeight(wd, s, hScale, cfg.vocabSize(), h);
        return new MixtralWeights(embed, List.copyOf(layers), ones(backend, h), lmHead);
    }

    private static DeviceTensor ones(Backend backend, int n) {
        DeviceTensor t = backend.allocate(DType.F32, n);
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        backend.write(t, v);
        return t;
    }

    private static WeightRef ref(Checkpoint ckpt, String name) {
        TensorInfo t = ckpt.tensor(name);
        return new WeightRef(t.file(), t.dataOffset(), t.byteLength(), t.dtype(),
                t.shape().stream().mapToLong(Long::longValue).toArray());
    }

    /** Stacked [E * rows, cols] seen as [E, rows, cols] (a view, same memory); int8 scales as [E, rows]. */
    private static DeviceTensor reshape3(Backend backend, DeviceTensor t, int numExperts) {
        long[] s = t.shape();
        if (t instanceof QuantizedTensor q) {
            return backend.quantizedWeight(reshape3(backend, q.weight(), numExperts),
                    backend.reshape(q.scale(), numExperts, s[0] / numExperts), q.activation());
        }
        return backend.reshape(t, numExperts, s[0] / numExperts, s[s.length - 1]);
    }
}
