package org.tramontane.cli;

import org.tramontane.engine.SamplingParams;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Sampling and stopping flags shared by generate and chat. */
final class SamplingOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--max-output-length", paramLabel = "N", defaultValue = "20", description = "New tokens per sequence at most. Default: ${DEFAULT-VALUE}.")
    int maxOutputLength;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 = greedy. Default: ${DEFAULT-VALUE}.")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Keep the K most likely tokens (0 = off).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Keep the smallest set of tokens with probability mass >= P (1 = off).")
    float topP;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Random seed for sampling (reproducible runs).")
    long seed;

    @Option(names = "--ignore-eos", description = "Keep generating after the end-of-sequence token.")
    boolean ignoreEos;

    SamplingParams params() {
        if (maxOutputLength < 1) throw usage("--max-output-length must be >= 1");
        if (temperature < 0) throw usage("--temperature must be >= 0");
        if (topK < 0) throw usage("--top-k must be >= 0");
        if (!(topP > 0 && topP <= 1)) throw usage("--top-p must be in (0, 1]");
        return new SamplingParams(temperature, topK, topP, seed);
    }

    private ParameterException usage(String msg) {
        return new ParameterException(spec.commandLine(), msg);
    }
}
