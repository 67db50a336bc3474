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

    /** Binds a float checkpoint (already validated against the config). */
    public static MixtralWeights load(Checkpoint ckpt, MixtralConfig cfg, Backend backend) {
        DType wd = backend.precision().weightDtype;
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < cfg.numLayers(); l++) {
            final int layer = l;
            DeviceTensor w1 = backend.loadWeight(wd, refs(ckpt, cfg.numExperts(), e -> MixtralWeightNames.expertW1(layer, e)));
            DeviceTensor w3 = backend.loadWeight(wd, refs(ckpt, cfg.numExperts(), e -> MixtralWeightNames.expertW3(layer, e)));
            DeviceTensor w2 = backend.loadWeight(wd, refs(ckpt, cfg.numExperts(), e -> MixtralWeightNames.expertW2(layer, e)));
            int e = cfg.numExperts();
            layers.add(new LayerWeights(
                    backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.inputLayerNorm(l))),
                    backend.loadWeight(wd, ref(ckpt, MixtralWeightNames.qProj(l)), ref(ckpt, MixtralWeightNames.kProj(l)),
                            ref(ckpt, MixtralWeightNames.vProj(l))),
                    backend.loadWeight(wd, ref(ckpt, MixtralWeightNames.oProj(l))),
                    backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.postAttentionLayerNorm(l))),
                    backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.router(l))),
                    new ExpertWeights(reshape3(backend, w1, e), reshape3(backend, w3, e), reshape3(backend, w2, e))));
        }
        DeviceTensor embed = backend.loadWeight(wd, ref(ckpt, MixtralWeightNames.embedTokens()));
        DeviceTensor lmHead = cfg.tieWordEmbeddings() ? embed : backend.loadWeight(wd, ref(ckpt, MixtralWeightNames.lmHead()));
        return new MixtralWeights(embed, List.copyOf(layers),
                backend.loadWeight(DType.F32, ref(ckpt, MixtralWeightNames.finalNorm())), lmHead);
    }

    /**
     * Deterministic random weights of the config's shapes ({@code --load-format dummy}, as vLLM
     * calls it): uniform in +-1/sqrt(fan_in) for linears, ones for norms. Nothing is read from disk.
     */
    public static MixtralWeights dummy(MixtralConfig cfg, Backend backend, long seed) {
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

    private static WeightRef[] refs(Checkpoint ckpt, int n, IntFunction<String> name) {
        WeightRef[] r = new WeightRef[n];
        for (int i = 0; i < n; i++) r[i] = ref(ckpt, name.apply(i));
        return r;
    }

    /** Stacked [E * rows, cols] seen as [E, rows, cols] (a view, same memory). */
    private static DeviceTensor reshape3(Backend backend, DeviceTensor t, int numExperts) {
        long[] s = t.shape();
        return backend.reshape(t, numExperts, s[0] / numExperts, s[1]);
    }
}
