package org.tramontane.backend;

import org.tramontane.config.DType;

/**
 * Geometry of the paged KV cache of one layer: k and v each [numBlocks, blockSize, numKvHeads, headDim].
 * An {@link DType#I8} cache tensor holds its int8 cells in that shape, then, from the next multiple of
 * {@value #SCALE_ALIGN} bytes, one f32 scale per (slot, KV head) [numBlocks, blockSize, numKvHeads]
 * (native/cpu/include/tramontane_cpu.h, tn_kv_layout).
 */
public record KvCacheSpec(int numBlocks, int blockSize, int numKvHeads, int headDim, DType dtype) {
    /** Bytes of one int8 cell row's scale. */
    public static final int SCALE_BYTES = Float.BYTES;
    static final int SCALE_ALIGN = 64;

    public KvCacheSpec {
        if (dtype != DType.I8 && !dtype.isFloat()) throw new IllegalArgumentException("no KV cache of " + dtype);
    }

    /** Bytes of the keys (or of the values) tensor, an int8 cache's scales included. */
    public long tensorBytes() {
        long rows = (long) numBlocks * blockSize * numKvHeads;
        long cells = rows * headDim * dtype.elemBytes;
        return dtype == DType.I8 ? scaleOffset() + rows * SCALE_BYTES : cells;
    }

    /** Where an int8 cache tensor's scales start, in bytes. */
    public long scaleOffset() {
        long cells = (long) numBlocks * blockSize * numKvHeads * headDim * dtype.elemBytes;
        return (cells + SCALE_ALIGN - 1) / SCALE_ALIGN * SCALE_ALIGN;
    }

    public long bytesPerLayer() {
        return 2 * tensorBytes();
    }

    /** Keys and values of one token in one layer, scales included (alignment padding aside). */
    public static long bytesPerToken(int numKvHeads, int headDim, DType dtype) {
        return 2L * numKvHeads * ((long) headDim * dtype.elemBytes + (dtype == DType.I8 ? SCALE_BYTES : 0));
    }
}
