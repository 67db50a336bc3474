package org.tramontane.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.modeltest.BoolqDataset;
import org.tramontane.modeltest.GrammarException;
import org.tramontane.modeltest.Mode;
import org.tramontane.modeltest.ModelTest;
import org.tramontane.modeltest.ModelTestArgs;
import org.tramontane.modeltest.ModelTestGrammar;
import org.tramontane.modeltest.OutputLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** MindIE's modeltest run.sh grammar: BoolQ accuracy or a performance sweep, same files in the same places. */
@Command(name = "modeltest", mixinStandardHelpOptions = true,
        description = {"MindIE modeltest: full_BoolQ accuracy or a performance sweep.",
                "Usage: modeltest " + ModelTestGrammar.USAGE + " [options]"})
final class ModelTestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LoadOptions load;

    @Parameters(paramLabel = "ARG", description = "MindIE's positional arguments (see the usage line above).")
    List<String> positionals = List.of();

    @Option(names = "--dataset-path", paramLabel = "FILE.jsonl|DIR", description = "BoolQ data (default: every *.jsonl in tests/modeltest/data/boolq).")
    Path datasetPath;

    @Mixin
    KvCacheOptions kv;

    @Mixin
    StepBudgetOption budget;

    @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = ".", description = "Root of outputs/ and benchmark.csv. Default: the current directory.")
    Path outputDir;

    @Override
    public Integer call() {
        ModelTestArgs args;
        try {
            args = ModelTestGrammar.parse(positionals);
        } catch (GrammarException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        KvCacheDtype kvCacheDtype = kv.dtypeOnly("modeltest");
        if (args.mode() != Mode.FULL_BOOLQ && datasetPath != null) {
            throw Flags.usage(spec, "--dataset-path is only for full_BoolQ");
        }
        ModelSource source = load.toSource(spec, Path.of(args.weights()), args.dtype(), args.chipNum());
        List<BoolqDataset> data = args.mode() == Mode.FULL_BOOLQ
                ? BoolqDataset.load(datasetPath != null ? datasetPath : BoolqDataset.DEFAULT_DIR) : List.of();
        var out = spec.commandLine().getOut();
        try (LlmEngine engine = LlmEngine.open(source, ModelTest.engineOptions(args, kvCacheDtype, budget.maxNumBatchedTokens())); BarProgress progress = new BarProgress()) {
            out.printf(Locale.ROOT, "Model loaded in %.2f s (%s, world size %d)%n", engine.loadMillis() / 1000.0,
                    engine.precision(), engine.worldSize());
            OutputLayout layout = OutputLayout.of(outputDir, source.backend(), engine.precision(), engine.config().quantize().map(q -> q.configName).orElse(null),
                    engine.worldSize());
            switch (args.mode()) {
                case FULL_BOOLQ -> ModelTest.boolq(engine, args, data, layout, progress, out);
                case PERFORMANCE -> ModelTest.performance(engine, args, layout, progress, out);
            }
        }
        return 0;
    }
}
