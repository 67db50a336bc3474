package org.tramontane.cli;

import org.tramontane.config.DType;
import picocli.CommandLine.Option;

/** {@code --dtype}: the float type to compute in (or, for convert, to write). */
final class DTypeOption {
    @Option(names = "--dtype", paramLabel = "DTYPE", converter = Spelling.DTypes.class,
            completionCandidates = Spelling.DTypes.class,
            description = "${COMPLETION-CANDIDATES} (default: the checkpoint's torch_dtype; bench: bf16).")
    DType dtype;

    DType orElse(DType absent) {
        return dtype != null ? dtype : absent;
    }
}
