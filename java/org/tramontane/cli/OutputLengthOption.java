package org.tramontane.cli;

import picocli.CommandLine.Option;

/**
 * {@code --max-output-length}: the stopping length of every generating verb. run-pa gives it
 * MindIE's default of 10 through its default provider.
 */
class OutputLengthOption {
    @Option(names = "--max-output-length", paramLabel = "N", defaultValue = "20",
            description = "New tokens per sequence at most. Default: ${DEFAULT-VALUE}.")
    int maxOutputLength;
}
