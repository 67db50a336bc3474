package org.tramontane.cli;

import java.nio.file.Path;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.engine.ModelSource;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * How to load and run a model, whatever names it: part of {@link ModelOptions} (--model/--config) and
 * used directly by modeltest, whose WEIGHTS is positional (MindIE's grammar).
 */
final class LoadOptions {
    @Option(names = "--load-format", paramLabel = "FORMAT", defaultValue = "auto",
            description = "auto (safetensors) or dummy (deterministic random weights of a preset). Default: ${DEFAULT-VALUE}.")
    String loadFormat;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "fp32, bf16 or fp16 (default: the checkpoint's torch_dtype; bench: bf16).")
    String dtype;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu", description = "Compute backend: cpu, ascend (needs CANN) or ascend-sim (the simulator). Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "Native worker threads (default: one per core).")
    int threads;

    /** --load-format as an enum; a bad value is a usage error of {@code cl}'s command. */
    ModelSource.LoadFormat format(CommandLine cl) {
        return switch (loadFormat) {
            case "auto" -> ModelSource.LoadFormat.AUTO;
            case "dummy" -> ModelSource.LoadFormat.DUMMY;
            default -> throw new ParameterException(cl, "--load-format must be auto or dummy (got " + loadFormat + ")");
        };
    }

    /**
     * @param path         checkpoint directory, or the preset file under --load-format dummy
     * @param defaultDtype used when --dtype is absent; null = the checkpoint's torch_dtype
     */
    ModelSource toSource(CommandLine cl, Path path, DType defaultDtype, int worldSize) {
        ModelSource.LoadFormat format = format(cl);
        DType d;
        BackendKind kind;
        try {
            d = dtype == null ? defaultDtype : DType.fromCli(dtype);
            kind = BackendKind.fromCli(backend);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage());
        }
        if (threads < 0) throw new ParameterException(cl, "--threads must be >= 0");
        return new ModelSource(path, format, d, kind, threads, worldSize);
    }
}
