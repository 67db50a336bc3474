package org.tramontane.cli;

import org.tramontane.engine.EngineOptions;
import picocli.CommandLine.Option;

/** KV-cache and batching flags shared by the generating verbs. */
final class EngineFlagOptions {
    @Option(names = "--block-size", paramLabel = "N", defaultValue = "128", description = "Positions per KV-cache block. Default: ${DEFAULT-VALUE}.")
    int blockSize;

    @Option(names = "--num-blocks", paramLabel = "N", defaultValue = "0",
            description = "KV-cache blocks in the pool (default: enough for every request at once).")
    int numBlocks;

    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "256", description = "Sequences decoded together at most. Default: ${DEFAULT-VALUE}.")
    int maxBatchSize;

    @Option(names = "--max-num-batched-tokens", paramLabel = "N", defaultValue = "" + EngineOptions.DEFAULT_MAX_NUM_BATCHED_TOKENS,
            description = "Tokens one step computes at most; longer prefills run in chunks. Default: ${DEFAULT-VALUE}.")
    int maxNumBatchedTokens;

    EngineOptions toOptions() {
        return new EngineOptions(blockSize, numBlocks, maxBatchSize, 0, maxNumBatchedTokens);
    }
}
