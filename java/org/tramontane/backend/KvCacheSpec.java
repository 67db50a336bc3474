package org.tramontane.backend;

import org.tramontane.config.DType;

/**
 * Geometry of the paged KV cache of one layer: k and v each [numBlocks, blockSize, numKvHeads, headDim].
 */
public record KvCacheSpec(int numBlocks, int blockSize, int numKvHeads, int headDim, DType dtype) {
    public long bytesPerLayer() {
        return 2L * numBlocks * blockSize * numKvHeads * headDim * dtype.elemBytes;
    }
}
