package org.tramontane.config;

/**
 * {@code --kv-cache-dtype}: what the paged KV cache stores. {@link #AUTO} keeps the compute dtype
 * (the {@link Precision} row's cache dtype); {@link #INT8} stores symmetric int8 with one f32 scale
 * per token and KV head, beside the blocks (DESIGN.md, KV cache).
 */
public enum KvCacheDtype {
    AUTO("auto", null),
    BF16("bf16", DType.BF16),
    FP16("fp16", DType.F16),
    INT8("int8", DType.I8);

    /** Name on the command line. */
    public final String cliName;
    private final DType stored;

    KvCacheDtype(String cliName, DType stored) {
        this.cliName = cliName;
        this.stored = stored;
    }

    /** The element type of the cache under {@code precision}. */
    public DType resolve(Precision precision) {
        return stored != null ? stored : precision.kvCacheDtype;
    }
}
