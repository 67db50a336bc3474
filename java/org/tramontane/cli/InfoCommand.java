package org.tramontane.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.tramontane.bench.ModelCost;
import org.tramontane.config.DType;
import org.tramontane.backend.BackendKind;
import org.tramontane.backend.Isa;
import org.tramontane.backend.Platform;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a checkpoint's config, parameter count, dtypes and the memory it needs.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelPathOption modelPath;

    @Option(names = "--kv-length", paramLabel = "N", defaultValue = "4096", description = "Tokens of KV cache to size. Default: ${DEFAULT-VALUE}.")
    int kvLength;

    @Override
    public Integer call() {
        Path model = modelPath.required(spec);
        Flags.atLeast(spec, "--kv-length", kvLength, 0);
        boolean preset = Files.isRegularFile(model);
        MixtralConfig c = MixtralConfigReader.read(preset ? model : model.resolve("config.json"));
        var out = spec.commandLine().getOut();
        out.printf("model        %s%n", model);
        out.printf("layers %d, hidden %d, intermediate %d, heads %d (kv %d, head dim %d), experts %d (top %d)%n",
                c.numLayers(), c.hiddenSize(), c.intermediateSize(), c.numHeads(), c.numKvHeads(), c.headDim(),
                c.numExperts(), c.topK());
        out.printf("vocab %d, max positions %d, sliding window %s, rope theta %.0f, torch_dtype %s, quantize %s%n",
                c.vocabSize(), c.maxPositionEmbeddings(), c.slidingWindow() == null ? "none" : c.slidingWindow(),
                c.ropeTheta(), c.torchDtype().torchName, c.quantize().map(q -> q.configName).orElse("none"));
        long params = ModelCost.parameterCount(c);
        long active = ModelCost.activeParameters(c);
        out.printf("parameters   %,d (%,d touched per token: attention, router, %d of %d experts, lm_head)%n",
                params, active, c.topK(), c.numExperts());
        if (!preset) {
            TreeMap<String, Long> byDtype = new TreeMap<>();
            long bytes = 0;
            for (TensorInfo t : Checkpoint.open(model).tensors()) {
                byDtype.merge(t.dtype().name(), t.numElements(), Long::sum);
                bytes += t.byteLength();
            }
            out.printf("stored       %s, %s on disk%n", byDtype, gib(bytes));
            if (c.quantize().isPresent()) {
                // every quantized linear would be 2 bytes per weight in bf16: int8 keeps 1 (+ scales)
                long int8 = byDtype.getOrDefault(DType.I8.name(), 0L);
                out.printf("quantization %s: %,d int8 weights, %s saved against bf16 linears%n", c.quantize().get().configName, int8,
                        gib(int8));
            }
        }
        for (DType d : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            out.printf("--dtype %-5s weights %s%n", d.cliName, gib(params * d.elemBytes));
        }
        // --kv-cache-dtype auto is the compute dtype's row; int8 includes its per-token, per-head scales
        StringBuilder kv = new StringBuilder();
        for (DType d : new DType[] {DType.F32, DType.BF16, DType.F16, DType.I8}) {
            kv.append(kv.length() == 0 ? "" : ", ").append(d.cliName).append(' ').append(gib(ModelCost.kvCacheBytes(c, kvLength, 1, d)));
        }
        out.printf("KV cache     %d tokens: %s%n", kvLength, kv);
        Platform cpu = BackendKind.CPU.platform();
        List<Isa> isas = cpu.supportedIsas();
        out.printf("cpu          ISA %s (supported: %s), %d threads%n", cpu.activeIsa().map(i -> i.cliName).orElse("none"),
                isas.stream().map(i -> i.cliName).collect(Collectors.joining(", ")), cpu.threads());
        cpu.isaLimit().ifPresent(limit -> out.printf("             (%s)%n", limit));
        cpu.kernelTuning().ifPresent(t -> out.printf("cpu tuning   %s%n", t));
        out.flush();
        return 0;
    }

    private static String gib(long bytes) {
        if (bytes < (1L << 30)) return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20));
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
