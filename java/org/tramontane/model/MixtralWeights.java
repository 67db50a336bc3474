package org.tramontane.model;

import org.tramontane.config.ConfigException;

import org.tramontane.config.MixtralConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;
import org.tramontane.backend.Backend;
import org.tramontane.config.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;
import org.tramontane.backend.QuantizedTensor;
import org.tramontane.backend.RandomRef;
import org.tramontane.backend.WeightRef;
import org.tramontane.parallel.ShardingPlan;
import org.tramontane.parallel.ShardingPlan.Role;
import org.tramontane.parallel.TensorShard;
import org.tramontane.quant.QuantDescription;
import org.tramontane.config.QuantScheme;
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
     * How linear weights (q/k/v/o, expert w1/w3/w2) end up quantized: as stored in the checkpoint
     * ({@code stored}, its quant description) or quantized from float values while binding
     * ({@code atLoad}, {@code --quantize}); both null for float linears. At most one is set.
     */
    public record Quantization(QuantDescription stored, QuantScheme atLoad) {
        public static final Quantization NONE = new Quantization(null, null);

        public Quantization {
            if (stored != null && atLoad != null) {
                throw new ConfigException(stored.file() + ": the checkpoint is already quantized ("
                        + stored.scheme().configName + "); quantizing at load (" + atLoad.configName
                        + ") applies to float checkpoints");
            }
        }
    }

    /**
     * Binds a checkpoint (already validated against the config) on one rank. Quantized linears
     * (config {@code quantize}, per-tensor labels in the description) stay int8 with their
     * per-channel scales; float linears are quantized when {@code quant.atLoad()} asks, else
     * converted to the precision's dtype like everything else.
     */
    public static MixtralWeights load(Checkpoint ckpt, MixtralConfig cfg, Backend backend, ShardingPlan plan,
            Quantization quant) {
        Linears lin = new Linears(ckpt, backend, quant.stored(), new LinearBinder(backend, quant.atLoad()));
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
                backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.finalNorm())), lmHead).forLinearKernels(backend);
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
                backend.loadWeight(wd, ref(rank, PreShardedNames.lmHead()))).forLinearKernels(backend);
    }

    /**
     * The same weights with every linear one (q/k/v/o, experts, an untied head) handed over to
     * the backend's kernels ({@link Backend#forLinear}, the last step of binding). A head tied to
     * the embedding stays as it is: the embedding reads its rows.
     */
    private MixtralWeights forLinearKernels(Backend backend) {
        List<LayerWeights> laidOut = new ArrayList<>();
        for (LayerWeights l : layers) {
            ExpertWeights x = l.experts();
            laidOut.add(new LayerWeights(l.inputNorm(), backend.forLinear(l.wqkv()), backend.forLinear(l.wo()),
                    l.postNorm(), l.router(), new ExpertWeights(backend.forLinear(x.w1()), backend.forLinear(x.w3()),
                            backend.forLinear(x.w2()))));
        }
        return new MixtralWeights(embedTokens, List.copyOf(laidOut), finalNorm,
                lmHead == embedTokens ? lmHead : backend.forLinear(lmHead));
    }

    /** Loads linear weights, float or int8 + scales, shards concatenated along the output axis. */
    private record Linears(Checkpoint ckpt, Backend backend, QuantDescription quant, LinearBinder binder) {

        DeviceTensor experts(int n, IntFunction<String> name, TensorShard shard) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) names.add(name.apply(i));
            return load(names, Collections.nCopies(n, shard));
        }

        /** names[i] cut by shards[i], stacked: one weight [sum of rows, cols]. */
        DeviceTensor load(List<String> names, List<TensorShard> shards) {
            QuantScheme scheme = schemeOf(names);
            if (scheme == null) {
                return binder.bind(cuts -> {
                    List<WeightRef> parts = new ArrayList<>();
                    for (int i = 0; i < names.size(); i++) parts.addAll(List.of(cuts.get(i).of(ref(ckpt, names.get(i)))));
                    return LinearBinder.ofFile(backend, parts);
                }, shards);
            }
            List<WeightRef> parts = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) parts.addAll(List.of(shards.get(i).of(ref(ckpt, names.get(i)))));
            DeviceTensor w = backend.loadWeight(DType.I8, parts.toArray(WeightRef[]::new));
            // scales are per output row: they follow a row split (COLUMN) and stay whole for ROW
            List<WeightRef> scales = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                scales.addAll(List.of(shards.get(i).wholeRows().of(ref(ckpt, MixtralWeightNames.weightScale(names.get(i))))));
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
     * Every tensor is one draw addressed by element index ({@link RandomRef}), and each rank binds
     * its shard of that draw, so all world sizes hold the same model. Linears are quantized per
     * output row when {@code quantizeAtLoad} is set (null: float).
     */
    public static MixtralWeights dummy(MixtralConfig cfg, Backend backend, long seed, ShardingPlan plan,
            QuantScheme quantizeAtLoad) {
        LinearBinder binder = new LinearBinder(backend, quantizeAtLoad);
        DType wd = backend.precision().weightDtype;
        long h = cfg.hiddenSize();
        long inter = cfg.intermediateSize();
        long q = cfg.qSize();
        long kv = cfg.kvSize();
        int e = cfg.numExperts();
        float hScale = (float) (1 / Math.sqrt(h));
        float iScale = (float) (1 / Math.sqrt(inter));
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < cfg.numLayers(); l++) {
            long s = seed + 6L * l; // six draws per layer, in this order
            RandomRef qkv = RandomRef.whole(s, hScale, q + 2 * kv, h);
            RandomRef o = RandomRef.whole(s + 1, (float) (1 / Math.sqrt(q)), h, q);
            RandomRef w1 = RandomRef.whole(s + 3, hScale, e * inter, h);
            RandomRef w3 = RandomRef.whole(s + 4, hScale, e * inter, h);
            RandomRef w2 = RandomRef.whole(s + 5, iScale, e * h, inter);
            layers.add(new LayerWeights(
                    ones(backend, cfg.hiddenSize()),
                    binder.bind(random(backend, List.of(qkv.sub(0, q, h), qkv.sub(q * h, kv, h), qkv.sub((q + kv) * h, kv, h))),
                            List.of(plan.shard(Role.Q_PROJ), plan.shard(Role.K_PROJ), plan.shard(Role.V_PROJ))),
                    binder.bind(random(backend, List.of(o)), List.of(plan.shard(Role.O_PROJ))),
                    ones(backend, cfg.hiddenSize()),
                    backend.randomWeight(DType.F32, RandomRef.whole(s + 2, hScale, e, h)),
                    new ExpertWeights(
                            reshape3(backend, binder.bind(random(backend, perExpert(w1, e)), Collections.nCopies(e, plan.shard(Role.EXPERT_W1))), e),
                            reshape3(backend, binder.bind(random(backend, perExpert(w3, e)), Collections.nCopies(e, plan.shard(Role.EXPERT_W3))), e),
                            reshape3(backend, binder.bind(random(backend, perExpert(w2, e)), Collections.nCopies(e, plan.shard(Role.EXPERT_W2))), e))));
        }
        long s = seed + 6L * cfg.numLayers();
        RandomRef embedAll = RandomRef.whole(s, 1f, cfg.vocabSize(), h);
        DeviceTensor embed = backend.randomWeight(wd, embedAll);
        RandomRef head = cfg.tieWordEmbeddings() ? embedAll : RandomRef.whole(s + 1, hScale, cfg.vocabSize(), h);
        DeviceTensor lmHead = plan.worldSize() == 1 && cfg.tieWordEmbeddings() ? embed
                : backend.randomWeight(wd, plan.shard(Role.LM_HEAD).of(head));
        return new MixtralWeights(embed, List.copyOf(layers), ones(backend, cfg.hiddenSize()), lmHead)
                .forLinearKernels(backend);
    }

    /** Random parts[i] cut by cuts[i], stacked. */
    private static LinearBinder.FloatParts random(Backend backend, List<RandomRef> parts) {
        return cuts -> {
            List<RandomRef> pieces = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) pieces.addAll(List.of(cuts.get(i).of(parts.get(i))));
            return LinearBinder.ofRandom(backend, pieces);
        };
    }

    /** Expert x's [rows / n, cols] block of a stacked [rows, cols] draw, for each of n experts. */
    private static List<RandomRef> perExpert(RandomRef stacked, int n) {
        long[] shape = stacked.shape();
        long rows = shape[0] / n;
        List<RandomRef> out = new ArrayList<>();
        for (int x = 0; x < n; x++) out.add(stacked.sub(x * rows * shape[1], rows, shape[1]));
        return out;
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
