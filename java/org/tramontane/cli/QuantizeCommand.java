package org.tramontane.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tramontane.config.QuantScheme;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.tramontane.convert.Quantizer;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a float HF checkpoint into MindIE's ascendV1 layout (per-channel symmetric int8, data-free).")
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model-path", required = true, paramLabel = "SRC", description = "Float HF checkpoint directory.")
    Path src;

    @Option(names = "--save-directory", required = true, paramLabel = "DST", description = "New directory (must not exist or be empty).")
    Path dst;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "w8a8_dynamic", converter = Spelling.QuantSchemes.class,
            completionCandidates = Spelling.QuantSchemes.class, description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    QuantScheme scheme;

    @Override
    public Integer call() {
        try (BarProgress progress = new BarProgress()) {
            Quantizer.quantize(src, dst, scheme, progress);
        }
        spec.commandLine().getOut().println("wrote " + dst + " (" + scheme.configName + ")");
        return 0;
    }
}
