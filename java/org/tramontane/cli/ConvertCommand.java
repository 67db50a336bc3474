package org.tramontane.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tramontane.config.DType;
import org.tramontane.convert.PreShardedWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.tramontane.convert.MistralConverter;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert weights between layouts: mistral -> hf (Mistral's consolidated release),"
                + " hf -> tramontane (pre-sharded for --world-size N), tramontane -> hf.")
final class ConvertCommand implements Callable<Integer> {
    /** A checkpoint layout: Mistral's release, HuggingFace's, or ours pre-sharded per rank. */
    enum Layout { MISTRAL, HF, TRAMONTANE }

    static final class Layouts extends Spelling<Layout> {
        Layouts() {
            super(Layout.values(), l -> l.name().toLowerCase(Locale.ROOT));
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "FORMAT", converter = Layouts.class,
            completionCandidates = Layouts.class, description = "${COMPLETION-CANDIDATES}.")
    Layout from;

    @Option(names = "--to", required = true, paramLabel = "FORMAT", converter = Layouts.class,
            completionCandidates = Layouts.class, description = "hf or tramontane.")
    Layout to;

    @Option(names = "--input", required = true, paramLabel = "DIR")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "New directory (must not exist or be empty).")
    Path output;

    @Mixin
    DTypeOption dtype;

    @Mixin
    ParallelOptions parallel;

    @Override
    public Integer call() {
        DType target = dtype.dtype;
        int worldSize = parallel.orOne();
        var out = spec.commandLine().getOut();
        if (from == Layout.HF && to == Layout.TRAMONTANE) {
            ParallelOptions.checkSplits(spec, input.resolve("config.json"), worldSize);
            try (BarProgress progress = new BarProgress()) {
                PreShardedWriter.fromHf(input, output, worldSize, target, progress);
            }
            out.println("wrote " + output + " (tramontane layout, world size " + worldSize + ")");
            return 0;
        }
        if (worldSize != 1) throw Flags.usage(spec, "--world-size applies to --to tramontane only");
        if (from == Layout.TRAMONTANE && to == Layout.HF) {
            if (target != null) throw Flags.usage(spec, "--dtype: tramontane -> hf keeps the stored dtype");
            PreShardedWriter.toHf(input, output);
            out.println("wrote " + output + " (HF layout)");
            return 0;
        }
        if (from != Layout.MISTRAL || to != Layout.HF) {
            throw Flags.usage(spec, "convert --from " + from.name().toLowerCase(Locale.ROOT) + " --to "
                    + to.name().toLowerCase(Locale.ROOT) + " is not supported yet"
                    + " (supported: mistral -> hf, hf -> tramontane, tramontane -> hf)");
        }
        try (BarProgress progress = new BarProgress()) {
            MistralConverter.Result r = MistralConverter.convert(input, output, target, progress);
            out.println("wrote " + r.outputDir() + " (" + r.numTensors() + " tensors, "
                    + r.dtype().cliName + ")");
        }
        return 0;
    }
}
