package org.tramontane.cli;

import java.nio.file.Path;
import org.tramontane.engine.ModelSource;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Which model to load and how: shared by every verb that runs a model. */
final class ModelOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Mixin
    ModelPathOption path;

    @Option(names = "--config", paramLabel = "PRESET.json", description = "Model preset (with --load-format dummy).")
    Path config;

    @Mixin
    LoadOptions load;

    ModelSource toSource(int worldSize) {
        if ((path.model == null) == (config == null)) {
            throw Flags.usage(spec, "give one of --model DIR or --config PRESET.json");
        }
        boolean dummy = load.loadFormat == ModelSource.LoadFormat.DUMMY;
        if (dummy && config == null) throw Flags.usage(spec, "--load-format dummy needs --config PRESET.json");
        if (!dummy && config != null) {
            throw Flags.usage(spec, "--config PRESET.json needs --load-format dummy (weights come from --model DIR otherwise)");
        }
        return load.toSource(spec, dummy ? config : path.model, null, worldSize);
    }
}
