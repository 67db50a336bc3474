package org.tramontane.cli;

import org.tramontane.engine.SamplingParams;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Sampling and stopping flags shared by generate and chat; the stopping length comes from its superclass. */
final class SamplingOptions extends OutputLengthOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

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

    /** The sampling flags; a bad value is a usage error, so verbs call this before loading the model. */
    SamplingParams params() {
        Flags.atLeast(spec, "--max-output-length", maxOutputLength, 1);
        Flags.atLeast(spec, "--top-k", topK, 0);
        if (!(temperature >= 0 && temperature < Float.POSITIVE_INFINITY)) {
            throw Flags.usage(spec, "--temperature must be a finite number >= 0 (got " + temperature + ")");
        }
        if (!(topP > 0 && topP <= 1)) throw Flags.usage(spec, "--top-p must be in (0, 1] (got " + topP + ")");
        return new SamplingParams(temperature, topK, topP, seed);
    }
}
