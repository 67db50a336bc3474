package org.tramontane.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The weight quantization schemes, one row each, with the names MindIE (msModelSlim's
 * "ascendV1" saver) gives them. Both store q/k/v/o and the expert linears as symmetric
 * per-output-channel int8 with an F32 {@code weight_scale} [out, 1] and an all-zero
 * {@code weight_offset} [out, 1]; they differ only in what happens to the activations at run time.
 */
public enum QuantScheme {
    /** Activations quantized per token at run time (absmax / 127), int32 accumulation. */
    W8A8_DYNAMIC("w8a8_dynamic", "W8A8_DYNAMIC", ActivationQuant.INT8_PER_TOKEN),
    /** Float activations times int8 weights dequantized per channel (weight-only int8). */
    W8A16("w8a16", "W8A16", ActivationQuant.NONE);

    /** Label of an unquantized tensor in a quant description. */
    public static final String FLOAT_LABEL = "FLOAT";

    /** config.json's {@code "quantize"} value. */
    public final String configName;
    /** The description's {@code model_quant_type} and the label of each of its quantized tensors. */
    public final String label;
    /** Stored dtype of a quantized linear's {@code .weight}. */
    public final DType weightDType = DType.I8;
    /** Stored dtype of {@code .weight_scale} and {@code .weight_offset}. */
    public final DType scaleDType = DType.F32;
    /** What happens to a quantized linear's input at run time. */
    public final ActivationQuant activationMode;

    QuantScheme(String configName, String label, ActivationQuant activationMode) {
        this.configName = configName;
        this.label = label;
        this.activationMode = activationMode;
    }

    /** The single weight file MindIE's saver writes: {@code quant_model_weight_<configName>.safetensors}. */
    public String weightFileName() {
        return "quant_model_weight_" + configName + ".safetensors";
    }

    /** The description file name older msModelSlim versions wrote: {@code quant_model_description_<configName>.json}. */
    public String legacyDescriptionFileName() {
        return "quant_model_description_" + configName + ".json";
    }

    public static Optional<QuantScheme> fromConfigName(String name) {
        return Arrays.stream(values()).filter(s -> s.configName.equals(name)).findFirst();
    }

    public static Optional<QuantScheme> fromLabel(String label) {
        return Arrays.stream(values()).filter(s -> s.label.equals(label)).findFirst();
    }

    /** "w8a8_dynamic, w8a16": for messages. */
    public static String configNames() {
        return Arrays.stream(values()).map(s -> s.configName).collect(Collectors.joining(", "));
    }
}
