package org.tramontane.backend;

/** One layer's paged key and value caches, each [numBlocks, blockSize, numKvHeads, headDim]. */
public record KvCache(KvCacheSpec spec, DeviceTensor keys, DeviceTensor values) {
}
