package org.tramontane.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tramontane.config.DType;
import org.tramontane.engine.EngineException;
import org.tramontane.convert.PreShardedWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import org.tramontane.convert.MistralConverter;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert weights between layouts: mistral -> hf (Mistral's consolidated release),"
                + " hf -> tramontane (pre-sharded for --world-size N), tramontane -> hf.")
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "FORMAT", description = "mistral, hf or tramontane.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "FORMAT", description = "hf or tramontane.")
    String to;

    @Option(names = "--input", required = true, paramLabel = "DIR")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "New directory (must not exist or be empty).")
    Path output;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "fp32, bf16 or fp16 (default: the source's).")
    String dtype;

    @Option(names = "--world-size", paramLabel = "N", defaultValue = "1", description = "Ranks of a pre-sharded output.")
    int worldSize;

    @Override
    public Integer call() {
        DType target;
        try {
            target = dtype == null ? null : DType.fromCli(dtype);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!isFormat(from) || !isFormat(to)) {
            throw new ParameterException(spec.commandLine(), "--from/--to must be mistral, hf or tramontane");
        }
        var out = spec.commandLine().getOut();
        if (from.equals("hf") && to.equals("tramontane")) {
            try (BarProgress progress = new BarProgress()) {
                PreShardedWriter.fromHf(input, output, worldSize, target, progress);
            }
            out.println("wrote " + output + " (tramontane layout, world size " + worldSize + ")");
            return 0;
        }
        if (worldSize != 1) throw new ParameterException(spec.commandLine(), "--world-size applies to --to tramontane only");
        if (from.equals("tramontane") && to.equals("hf")) {
            if (target != null) throw new ParameterException(spec.commandLine(), "--dtype: tramontane -> hf keeps the stored dtype");
            PreShardedWriter.toHf(input, output);
            out.println("wrote " + output + " (HF layout)");
            return 0;
        }
        if (!from.equals("mistral") || !to.equals("hf")) {
            throw new EngineException("convert --from " + from + " --to " + to + " is not supported yet"
                    + " (supported: mistral -> hf, hf -> tramontane, tramontane -> hf)");
        }
        try (BarProgress progress = new BarProgress()) {
            MistralConverter.Result r = MistralConverter.convert(input, output, target, progress);
            out.println("wrote " + r.outputDir() + " (" + r.numTensors() + " tensors, "
                    + r.dtype().cliName + ")");
        }
        return 0;
    }

    private static boolean isFormat(String f) {
        return f.equals("mistral") || f.equals("hf") || f.equals("tramontane");
    }
}
