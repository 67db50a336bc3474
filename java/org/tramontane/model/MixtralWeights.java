package org.tramontane.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import org.tramontane.backend.Backend;
import org.tramontane.backend.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.WeightRef;
import org.tramontane.parallel.ShardingPlan;
import org.tramontane.parallel.ShardingPlan.Role;
import org.tramontane.parallel.TensorShard;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.MixtralWeightNames;
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

    /** Binds a float checkpoint (already validated against the config) on one rank. */
    public static MixtralWeights load(Checkpoint ckpt, MixtralConfig cfg, Backend backend, ShardingPlan plan) {
        DType wd = backend.precision().weightDtype;
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < cfg.numLayers(); l++) {
            final int layer = l;
            int e = cfg.numExperts();
            DeviceTensor w1 = backend.loadWeight(wd, shards(ckpt, plan.shard(Role.EXPERT_W1), e,
                    x -> MixtralWeightNames.expertW1(layer, x)));
            DeviceTensor w3 = backend.loadWeight(wd, shards(ckpt, plan.shard(Role.EXPERT_W3), e,
                    x -> MixtralWeightNames.expertW3(layer, x)));
            DeviceTensor w2 = backend.loadWeight(wd, shards(ckpt, plan.shard(Role.EXPERT_W2), e,
                    x -> MixtralWeightNames.expertW2(layer, x)));
            layers.add(new LayerWeights(
                    backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.inputLayerNorm(l))),
                    backend.loadWeight(wd, concat(
                            plan.shard(Role.Q_PROJ).of(ref(ckpt, MixtralWeightNames.qProj(l))),
                            plan.shard(Role.K_PROJ).of(ref(ckpt, MixtralWeightNames.kProj(l))),
                            plan.shard(Role.V_PROJ).of(ref(ckpt, MixtralWeightNames.vProj(l))))),
                    backend.loadWeight(wd, plan.shard(Role.O_PROJ).of(ref(ckpt, MixtralWeightNames.oProj(l)))),
                    backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.postAttentionLayerNorm(l))),
                    backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.router(l))),
                    new ExpertWeights(reshape3(backend, w1, e), reshape3(backend, w3, e), reshape3(backend, w2, e))));
        }
        DeviceTensor embed = backend.loadWeight(wd, ref(ckpt, MixtralWeightNames.embedTokens()));
        String head = cfg.tieWordEmbeddings() ? MixtralWeightNames.embedTokens() : MixtralWeightNames.lmHead();
        DeviceTensor lmHead = plan.worldSize() == 1 && cfg.tieWordEmbeddings() ? embed
                : backend.loadWeight(wd, plan.shard(Role.LM_HEAD).of(ref(ckpt, head)));
        return new MixtralWeights(embed, List.copyOf(layers),
                backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.finalNorm())), lmHead);
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

    /** Every expert's shard of one weight, in expert order (stacked along axis 0). */
    private static WeightRef[] shards(Checkpoint ckpt, TensorShard shard, int n, IntFunction<String> name) {
        WeightRef[][] parts = new WeightRef[n][];
        for (int i = 0; i < n; i++) parts[i] = shard.of(ref(ckpt, name.apply(i)));
        return concat(parts);
    }

    private static WeightRef[] concat(WeightRef[]... parts) {
        return Arrays.stream(parts).flatMap(Arrays::stream).toArray(WeightRef[]::new);
    }

    /** Stacked [E * rows, cols] seen as [E, rows, cols] (a view, same memory). */
    private static DeviceTensor reshape3(Backend backend, DeviceTensor t, int numExperts) {
        long[] s = t.shape();
        return backend.reshape(t, numExperts, s[0] / numExperts, s[s.length - 1]);
    }
}
