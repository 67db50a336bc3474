package org.tramontane.cli;

import picocli.CommandLine.Option;

/** {@code --output-format}, shared by the verbs that print results. */
final class OutputFormatOption {
    @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text",
            converter = Spelling.OutputFormats.class, completionCandidates = Spelling.OutputFormats.class,
            description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    OutputFormat format;

    boolean json() {
        return format == OutputFormat.JSON;
    }
}
