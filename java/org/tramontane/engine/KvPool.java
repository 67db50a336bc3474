package org.tramontane.engine;

import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import org.tramontane.backend.KvCacheSpec;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.kvcache.BlockTable;
import org.tramontane.parallel.ShardingPlan;

/**
 * The KV pool's size in blocks: {@code --num-blocks}; or as many blocks as a {@code --kv-cache-memory}
 * budget holds; or, by default, enough for every request of the first batch at once, as far as
 * free memory allows (MemAvailable less {@link #MARGIN}): a smaller pool runs fewer sequences at a
 * time and the scheduler queues the rest. A pool that memory cannot hold is refused in one line
 * naming what it needs and what is available.
 */
final class KvPool {
    /** Share of MemAvailable kept back for activations, the JVM and the rest of the host. */
    static final double MARGIN = 0.10;

    private final EngineOptions options;
    private final long bytesPerBlock;  // every layer's keys and values, on every rank
    private final OptionalLong usable; // MemAvailable less the margin; empty: unknown (or device memory)

    KvPool(EngineOptions options, long bytesPerBlock, OptionalLong available) {
        this.options = options;
        this.bytesPerBlock = bytesPerBlock;
        this.usable = available.isPresent() ? OptionalLong.of((long) (available.getAsLong() * (1 - MARGIN)))
                : OptionalLong.empty();
    }

    /** Bytes of one block of positions: every layer, every rank (KV heads split or replicated). */
    static long bytesPerBlock(MixtralConfig cfg, int worldSize, int blockSize, DType dtype) {
        int kvHeads = ShardingPlan.of(cfg, worldSize, 0).numKvHeadsPerRank();
        return (long) worldSize * cfg.numLayers() * blockSize * KvCacheSpec.bytesPerToken(kvHeads, cfg.headDim(), dtype);
    }

    long bytesPerBlock() {
        return bytesPerBlock;
    }

    /** The pool the flags fix, checked against free memory; 0 when neither flag is given. */
    int fixedBlocks() {
        if (options.numBlocks() > 0) return fits(options.numBlocks(), "--num-blocks " + options.numBlocks());
        if (options.kvCacheMemory() == 0) return 0;
        long n = options.kvCacheMemory() / bytesPerBlock;
        if (n < 1) {
            throw new EngineException("--kv-cache-memory " + bytes(options.kvCacheMemory()) + " holds no KV block (one block of "
                    + options.blockSize() + " positions takes " + bytes(bytesPerBlock) + ")");
        }
        return fits((int) Math.min(n, Integer.MAX_VALUE), "--kv-cache-memory " + bytes(options.kvCacheMemory()));
    }

    /** The default pool for a first batch of requests: all of them at once, or what free memory holds. */
    int forRequests(List<GenerationRequest> requests) {
        long need = 0;
        int largest = 0;
        for (GenerationRequest r : requests) {
            int blocks = BlockTable.blocksFor(r.promptIds().length + r.maxNewTokens(), options.blockSize());
            need += blocks;
            largest = Math.max(largest, blocks);
        }
        if (usable.isEmpty()) return (int) Math.min(need, Integer.MAX_VALUE);
        long cap = usable.getAsLong() / bytesPerBlock;
        if (largest > cap) {
            throw new EngineException("KV cache too small: a request of " + largest + " blocks needs " + bytes(largest * bytesPerBlock)
                    + " but " + bytes(usable.getAsLong()) + " of memory is available (MemAvailable less "
                    + Math.round(MARGIN * 100) + "%); shorten the prompt or --max-output-length, or use --kv-cache-dtype int8");
        }
        return (int) Math.min(need, cap);
    }

    private int fits(int blocks, String flag) {
        long need = blocks * bytesPerBlock;
        if (usable.isPresent() && need > usable.getAsLong()) {
            throw new EngineException("KV cache of " + blocks + " blocks (" + flag + ") needs " + bytes(need) + " but "
                    + bytes(usable.getAsLong()) + " of memory is available (MemAvailable less " + Math.round(MARGIN * 100) + "%)");
        }
        return blocks;
    }

    static String bytes(long n) {
        if (n < (1L << 20)) return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        if (n < (1L << 30)) return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
        return String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
    }
}
