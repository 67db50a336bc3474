package org.tramontane.cli;

import org.tramontane.engine.EngineOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** KV-cache and batch flags of generate. */
final class BatchOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--block-size", paramLabel = "N", defaultValue = "" + EngineOptions.DEFAULT_BLOCK_SIZE,
            description = "Positions per KV-cache block. Default: ${DEFAULT-VALUE}.")
    int blockSize;

    @Option(names = "--num-blocks", paramLabel = "N", defaultValue = "0",
            description = "KV-cache blocks in the pool (default: enough for every request at once).")
    int numBlocks;

    @Option(names = {"--max-batch-size", "--max-num-seqs"}, paramLabel = "N", defaultValue = "256", description = "Sequences decoded together at most (--max-num-seqs, vLLM's name). Default: ${DEFAULT-VALUE}.")
    int maxBatchSize;

    EngineOptions toOptions(StepBudgetOption budget) {
        return new EngineOptions(Flags.atLeast(spec, "--block-size", blockSize, 1),
                Flags.atLeast(spec, "--num-blocks", numBlocks, 0), Flags.atLeast(spec, "--max-batch-size", maxBatchSize, 1),
                0, budget.maxNumBatchedTokens());
    }
}
