package org.tramontane.cli;

import java.nio.file.Path;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.engine.ModelSource;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * How to load and run a model, whatever names it: part of {@link ModelOptions} (--model/--config) and
 * used directly by modeltest, whose WEIGHTS is positional (MindIE's grammar).
 */
final class LoadOptions {
    @Option(names = "--load-format", paramLabel = "FORMAT", defaultValue = "auto", converter = Spelling.LoadFormats.class,
            completionCandidates = Spelling.LoadFormats.class,
            description = "auto (safetensors) or dummy (deterministic random weights of a preset). Default: ${DEFAULT-VALUE}.")
    ModelSource.LoadFormat loadFormat;

    @Mixin
    DTypeOption dtype;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu", converter = Spelling.Backends.class,
            completionCandidates = Spelling.Backends.class,
            description = "Compute backend: ${COMPLETION-CANDIDATES} (ascend needs CANN, ascend-sim is the simulator)."
                    + " Default: ${DEFAULT-VALUE}.")
    BackendKind backend;

    static final int MAX_THREADS = 1024;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "Native worker threads (default: one per core).")
    int threads;

    /**
     * @param spec         the verb, whose usage error a bad flag is
     * @param path         checkpoint directory, or the preset file under --load-format dummy
     * @param defaultDtype used when --dtype is absent; null = the checkpoint's torch_dtype
     */
    ModelSource toSource(CommandSpec spec, Path path, DType defaultDtype, int worldSize) {
        Flags.atLeast(spec, "--threads", threads, 0);
        // each is an OS thread with its own stack: beyond this the process runs out of them, not faster
        if (threads > MAX_THREADS) throw Flags.usage(spec, "--threads must be <= " + MAX_THREADS + " (got " + threads + ")");
        ParallelOptions.checkSplits(spec, loadFormat == ModelSource.LoadFormat.DUMMY ? path : path.resolve("config.json"),
                worldSize);
        return new ModelSource(path, loadFormat, dtype.orElse(defaultDtype), backend, threads, worldSize);
    }
}
