package org.tramontane.cli;

import java.nio.file.Path;
import org.tramontane.backend.BackendKind;
import org.tramontane.backend.DType;
import org.tramontane.engine.ModelSource;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Which model to load and how: shared by every verb that runs a model. */
final class ModelOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--model", paramLabel = "DIR", description = "HF checkpoint directory (config.json, *.safetensors, tokenizer).")
        Path model;

        @Option(names = "--config", paramLabel = "PRESET.json", description = "Model preset (with --load-format dummy).")
        Path config;
    }

    @Option(names = "--load-format", paramLabel = "FORMAT", defaultValue = "auto",
            description = "auto (safetensors) or dummy (deterministic random weights; needs --config). Default: ${DEFAULT-VALUE}.")
    String loadFormat;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "fp32, bf16 or fp16 (default: the checkpoint's torch_dtype).")
    String dtype;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu", description = "Compute backend: cpu. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "Native worker threads (default: one per core).")
    int threads;

    ModelSource toSource(int worldSize) {
        ModelSource.LoadFormat format = switch (loadFormat) {
            case "auto" -> ModelSource.LoadFormat.AUTO;
            case "dummy" -> ModelSource.LoadFormat.DUMMY;
            default -> throw usage("--load-format must be auto or dummy (got " + loadFormat + ")");
        };
        if (format == ModelSource.LoadFormat.DUMMY && source.config == null) {
            throw usage("--load-format dummy needs --config PRESET.json");
        }
        if (format == ModelSource.LoadFormat.AUTO && source.model == null) {
            throw usage("--config PRESET.json needs --load-format dummy (weights come from --model DIR otherwise)");
        }
        DType d;
        BackendKind kind;
        try {
            d = dtype == null ? null : DType.fromCli(dtype);
            kind = BackendKind.fromCli(backend);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (threads < 0) throw usage("--threads must be >= 0");
        Path path = format == ModelSource.LoadFormat.DUMMY ? source.config : source.model;
        return new ModelSource(path, format, d, kind, threads, worldSize);
    }

    private ParameterException usage(String msg) {
        return new ParameterException(spec.commandLine(), msg);
    }
}
