package org.tramontane.config;

import java.util.Locale;

/**
 * Element types, one row each: the Java mirror of native/cpu/dtype.h's {@code kDTypes} table
 * (same codes, same element sizes). Code that needs a property of a dtype asks this table
 * instead of switching on the constant.
 */
public enum DType {
    F32(0, 4, "F32", "float32", "fp32"),
    F16(1, 2, "F16", "float16", "fp16"),
    BF16(2, 2, "BF16", "bfloat16", "bf16"),
    /** int8 weights of the quantized schemes; not a compute dtype of its own. */
    I8(3, 1, "I8", "int8", "int8"),
    /** token ids, positions, slots, block tables, expert ids. */
    I32(4, 4, "I32", "int32", "int32");

    /** Code shared with the native table. */
    public final int code;
    public final int elemBytes;
    /** Name in safetensors headers. */
    public final String safetensorsName;
    /** Name in config.json's torch_dtype. */
    public final String torchName;
    /** Name on the command line ({@code --dtype}). */
    public final String cliName;

    DType(int code, int elemBytes, String safetensorsName, String torchName, String cliName) {
        this.code = code;
        this.elemBytes = elemBytes;
        this.safetensorsName = safetensorsName;
        this.torchName = torchName;
        this.cliName = cliName;
    }

    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    public static DType fromSafetensors(String name) {
        for (DType d : values()) {
            if (d.safetensorsName.equals(name)) return d;
        }
        throw new IllegalArgumentException("unsupported safetensors dtype " + name);
    }

    /** {@code --dtype} value: fp32, bf16 or fp16 (float compute types only). */
    public static DType fromCli(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (DType d : values()) {
            if (d.isFloat() && (d.cliName.equals(n) || d.torchName.equals(n))) return d;
        }
        throw new ConfigException("--dtype must be one of fp32, bf16, fp16 (got " + name + ")");
    }
}
