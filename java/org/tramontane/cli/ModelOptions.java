package org.tramontane.cli;

import java.nio.file.Path;
import org.tramontane.engine.ModelSource;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
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

    @Mixin
    LoadOptions load;

    ModelSource toSource(int worldSize) {
        ModelSource.LoadFormat format = load.format(spec.commandLine());
        if (format == ModelSource.LoadFormat.DUMMY && source.config == null) {
            throw usage("--load-format dummy needs --config PRESET.json");
        }
        if (format == ModelSource.LoadFormat.AUTO && source.model == null) {
            throw usage("--config PRESET.json needs --load-format dummy (weights come from --model DIR otherwise)");
        }
        Path path = format == ModelSource.LoadFormat.DUMMY ? source.config : source.model;
        return load.toSource(spec.commandLine(), path, null, worldSize);
    }

    private ParameterException usage(String msg) {
        return new ParameterException(spec.commandLine(), msg);
    }
}
