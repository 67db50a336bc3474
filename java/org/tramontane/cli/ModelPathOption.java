package org.tramontane.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code --model}: the checkpoint directory every verb that reads a model names. */
final class ModelPathOption {
    @Option(names = "--model", paramLabel = "DIR",
            description = "HF checkpoint directory (config.json, *.safetensors, tokenizer); info also takes a preset .json.")
    Path model;

    /** The path, or a usage error of {@code spec}'s verb when --model is absent. */
    Path required(CommandSpec spec) {
        if (model == null) throw Flags.usage(spec, "missing required option --model DIR");
        return model;
    }
}
