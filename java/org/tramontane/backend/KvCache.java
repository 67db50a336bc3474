package org.tramontane.backend;

/**
 * One layer's paged key and value caches, each [numBlocks, blockSize, numKvHeads, headDim] (an int8
 * cache with its scales after the cells: {@link KvCacheSpec}).
 */
public record KvCache(KvCacheSpec spec, DeviceTensor keys, DeviceTensor values) {
}
