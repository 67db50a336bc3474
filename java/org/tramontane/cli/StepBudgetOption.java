package org.tramontane.cli;

import org.tramontane.engine.EngineOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --max-num-batched-tokens}, as vLLM names the step budget; shared by generate, bench, serve and modeltest. */
final class StepBudgetOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--max-num-batched-tokens", paramLabel = "N", defaultValue = "" + EngineOptions.DEFAULT_MAX_NUM_BATCHED_TOKENS,
            description = "Tokens one engine step computes at most; longer prefills run in chunks (activation memory"
                    + " grows with it). Default: ${DEFAULT-VALUE}.")
    int maxNumBatchedTokens;

    int maxNumBatchedTokens() {
        return Flags.atLeast(spec, "--max-num-batched-tokens", maxNumBatchedTokens, 1);
    }
}
