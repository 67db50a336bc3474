package org.tramontane.weights;

import java.util.List;
import java.util.Optional;
import org.tramontane.config.MixtralConfig;
import org.tramontane.weights.MixtralWeightNames.Expected;
import org.tramontane.weights.MixtralWeightNames.Role;

/**
 * Checks, before any weight is bound, that a checkpoint holds every tensor its config.json
 * implies, with that shape and a usable dtype, so a wrong or mismatched directory fails with one
 * line instead of a bad read deep inside the backend; every float tensor must be finite. Extra
 * tensors are ignored (HF checkpoints sometimes carry rotary caches and the like), except those of
 * a layer beyond config.json's num_hidden_layers: such a config would silently run a shallower model.
 *
 * <p>Quantized checkpoints ({@code config.quantize} set) may store q/k/v/o and the expert
 * linears as I8; such a weight must come with a float {@code .weight_scale} of shape [out, 1]
 * (and, if present, a {@code .weight_offset} of the same shape, all zeros: only symmetric int8 runs).
 * What the scheme means is the
 * {@code quant} package's business, not this check's.
 */
public final class MixtralCheckpointValidator {
    private MixtralCheckpointValidator() {}

    public static void validate(Checkpoint ckpt, MixtralConfig config) {
        for (Expected e : MixtralWeightNames.expected(config)) {
            Optional<TensorInfo> found = ckpt.find(e.name());
            if (found.isEmpty()) {
                throw fail(ckpt, "missing tensor " + e.name() + " (expected shape " + e.shape() + ")");
            }
            check(ckpt, config, e, found.get());
        }
        for (TensorInfo t : ckpt.tensors()) {
            int layer = MixtralWeightNames.layerOf(t.name());
            if (layer >= config.numLayers()) {
                throw fail(ckpt, "tensor " + t.name() + " belongs to layer " + layer + " but config.json has "
                        + config.numLayers() + " layers (num_hidden_layers)");
            }
        }
        if (config.tieWordEmbeddings()) {
            // tied checkpoints may still store lm_head; if so it must fit
            List<Long> shape = List.of((long) config.vocabSize(), (long) config.hiddenSize());
            ckpt.find(MixtralWeightNames.lmHead()).ifPresent(t -> check(ckpt, config,
                    new Expected(MixtralWeightNames.lmHead(), shape, Role.FLOAT), t));
        }
    }

    private static void check(Checkpoint ckpt, MixtralConfig config, Expected e, TensorInfo t) {
        checkShape(ckpt, e.name(), e.shape(), t);
        FiniteCheck.requireFinite(t);
        if (t.dtype().isFloat()) return;
        if (e.role() != Role.QUANTIZABLE_LINEAR) {
            throw fail(ckpt, "tensor " + t.name() + " is " + t.dtype().safetensorsName + ", expected a float dtype");
        }
        if (config.quantize().isEmpty()) {
            throw fail(ckpt, "tensor " + t.name() + " is " + t.dtype().safetensorsName
                    + " but config.json sets no quantize scheme");
        }
        List<Long> scaleShape = List.of(e.shape().get(0), 1L);
        String scale = MixtralWeightNames.weightScale(t.name());
        TensorInfo s = ckpt.find(scale).orElseThrow(() -> fail(ckpt, "missing tensor " + scale
                + " (scale of the " + t.dtype().safetensorsName + " weight " + t.name() + ", expected shape "
                + scaleShape + ")"));
        checkScale(ckpt, scaleShape, s);
        Optional<TensorInfo> offset = ckpt.find(MixtralWeightNames.weightOffset(t.name()));
        offset.ifPresent(o -> {
            checkScale(ckpt, scaleShape, o);
            for (float v : ckpt.readFloats(o)) {
                if (v != 0) {
                    throw SafetensorsFile.fail(o.file(), "tensor " + o.name() + " holds a non-zero offset " + v
                            + ": asymmetric int8 is not supported, only symmetric (all offsets 0)");
                }
            }
        });
    }

    private static void checkScale(Checkpoint ckpt, List<Long> shape, TensorInfo t) {
        checkShape(ckpt, t.name(), shape, t);
        FiniteCheck.requireFinite(t);
        if (!t.dtype().isFloat()) {
            throw fail(ckpt, "tensor " + t.name() + " is " + t.dtype().safetensorsName + ", expected a float dtype");
        }
    }

    private static void checkShape(Checkpoint ckpt, String name, List<Long> expected, TensorInfo t) {
        if (!t.shape().equals(expected)) {
            throw fail(ckpt, "tensor " + name + " has shape " + t.shape() + ", expected " + expected
                    + " from config.json");
        }
    }

    private static WeightsException fail(Checkpoint ckpt, String what) {
        return new WeightsException(ckpt.dir() + ": " + what);
    }
}
