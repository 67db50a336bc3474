package org.tramontane.cli;

import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --batch-size}: copies of the prompt run together (run-pa), or one bench case per value. */
final class BatchSizeOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--batch-size", paramLabel = "N", split = ",", defaultValue = "1",
            description = "Sequences run together; bench takes a list, one case each. Default: ${DEFAULT-VALUE}.")
    List<Integer> batchSizes;

    /** Every value, each at least 1. */
    List<Integer> all() {
        for (int b : batchSizes) Flags.atLeast(spec, "--batch-size", b, 1);
        return batchSizes;
    }

    /** The one value of a verb that runs a single batch. */
    int single() {
        if (batchSizes.size() != 1) throw Flags.usage(spec, "--batch-size takes one value here (got " + batchSizes + ")");
        return all().get(0);
    }
}
