package org.tramontane.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.tramontane.bench.BenchRunner;
import org.tramontane.config.DType;
import org.tramontane.config.QuantScheme;
import org.tramontane.engine.ModelSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prefill and decode speed against the machine's limits probed in the same run.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    ParallelOptions parallel;

    @Option(names = "--quantize", paramLabel = "SCHEME", converter = Spelling.QuantSchemes.class,
            completionCandidates = Spelling.QuantSchemes.class,
            description = "${COMPLETION-CANDIDATES}: quantize the float (or dummy) linears at load, per output channel as `quantize` does.")
    QuantScheme quantize;

    @Mixin
    BatchSizeOption batch;

    @Option(names = "--input-len", paramLabel = "N", split = ",", defaultValue = "512",
            description = "Prompt tokens per sequence; a list runs one case per length and batch size. Default: ${DEFAULT-VALUE}.")
    List<Integer> inputLens;

    @Option(names = "--max-model-len", paramLabel = "N", defaultValue = "0",
            description = "Positions a sequence may reach (prompt + output). Default: the model's max_position_embeddings.")
    int maxModelLen;

    @Option(names = "--output-len", paramLabel = "N", defaultValue = "128",
            description = "Generated tokens per sequence, at least 2 (decode is timed from the second). Default: ${DEFAULT-VALUE}.")
    int outputLen;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Untimed runs per case. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "Timed runs per case (medians). Default: ${DEFAULT-VALUE}.")
    int repeats;

    @Option(names = "--prefix-len", paramLabel = "N", defaultValue = "0",
            description = "Leading prompt tokens every sequence of a batch shares (a system prompt), below every"
                    + " --input-len; with --enable-prefix-caching their full blocks are prefilled once. Default: ${DEFAULT-VALUE}.")
    int prefixLen;

    @Mixin
    PrefixCachingOption prefixCaching;

    @Mixin
    StepBudgetOption budget;

    @Mixin
    KvCacheOptions kv;

    @Mixin
    OutputFormatOption output;

    @Override
    public Integer call() throws IOException {
        for (int in : inputLens) Flags.atLeast(spec, "--input-len", in, 1);
        Flags.atLeast(spec, "--prefix-len", prefixLen, 0);
        for (int in : inputLens) {
            if (prefixLen >= in) throw Flags.usage(spec, "--prefix-len " + prefixLen + " must be below every --input-len (" + in + ")");
        }
        BenchRunner.Settings settings = new BenchRunner.Settings(batch.all(), inputLens,
                Flags.atLeast(spec, "--output-len", outputLen, 2), Flags.atLeast(spec, "--warmup", warmup, 0),
                Flags.atLeast(spec, "--repeats", repeats, 1), budget.maxNumBatchedTokens(),
                Flags.atLeast(spec, "--max-model-len", maxModelLen, 0), kv.dtypeOnly("bench"), prefixLen,
                prefixCaching.enabled(false));
        ModelSource src = model.toSource(parallel.resolve()).withQuantize(quantize);
        if (src.dtype() == null) src = src.withDtype(DType.BF16);
        PrintWriter err = spec.commandLine().getErr();
        BenchRunner.Report report = BenchRunner.run(src, settings, msg -> {
            err.println("bench: " + msg);
            err.flush();
        });
        PrintWriter out = spec.commandLine().getOut();
        out.println(output.json() ? BenchReport.json(report) : BenchReport.text(report));
        out.flush();
        return 0;
    }
}
