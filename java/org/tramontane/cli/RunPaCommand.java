package org.tramontane.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.engine.Prompt;
import org.tramontane.engine.SamplingParams;
import org.tramontane.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** MindIE's run_pa chat test (greedy), printing what MindIE prints; run_pa.sh calls this. */
@Command(name = "run-pa", mixinStandardHelpOptions = true, defaultValueProvider = RunPaCommand.MindIeDefaults.class,
        description = {"The MindIE run_pa chat test: one prompt (repeated batch-size times), greedy, prints Answer[i] and"
                + " token counts.", "The prompt is --input-text, by default '" + RunPaCommand.DEFAULT_INPUT_TEXT + "'."})
final class RunPaCommand implements Callable<Integer> {
    static final String DEFAULT_INPUT_TEXT = "Who is the CEO of Google?";

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    ParallelOptions parallel;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    PromptOptions.Prompt prompt;

    @Mixin
    OutputLengthOption length;

    @Mixin
    BatchSizeOption batch;

    @Mixin
    KvCacheOptions kv;

    @Mixin
    PrefixCachingOption prefixCaching;

    @Option(names = "--base", description = "Base model: encode the text with BOS instead of the chat template.")
    boolean base;

    /** MindIE's run_pa generates 10 tokens unless told otherwise. */
    static final class MindIeDefaults implements IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec arg) {
            return arg instanceof OptionSpec o && o.longestName().equals("--max-output-length") ? "10" : null;
        }
    }

    @Override
    public Integer call() {
        if (prompt != null && prompt.text == null) throw Flags.usage(spec, "run-pa takes its prompt as --input-text");
        String inputText = prompt == null ? DEFAULT_INPUT_TEXT : prompt.text;
        int maxOutputLength = Flags.atLeast(spec, "--max-output-length", length.maxOutputLength, 1);
        int batchSize = batch.single();
        var out = spec.commandLine().getOut();
        EngineOptions options = prefixCaching.apply(kv.apply(EngineOptions.defaults()), false);
        try (LlmEngine engine = LlmEngine.open(model.toSource(parallel.resolve()), options)) {
            PrefixCachingOption.noteIfOff(engine, spec.commandLine().getErr());
            out.printf(Locale.ROOT, "Model loaded in %.2f s (%s)%n", engine.loadMillis() / 1000.0, engine.precision());
            if (model.load.loadFormat == ModelSource.LoadFormat.DUMMY) {
                out.println("NOTE: dummy weights (deterministic random): the pipeline is real, the answers are gibberish.");
            }
            int[] ids = engine.encode(base ? Prompt.text(inputText) : Prompt.userTurn(inputText));
            List<GenerationRequest> reqs = new ArrayList<>(Collections.nCopies(batchSize,
                    new GenerationRequest(ids, maxOutputLength, false, SamplingParams.greedy())));
            long t0 = System.nanoTime();
            List<GenerationResult> results = engine.generate(reqs, (i, step, tok, logits) -> { });
            printAnswers(out, inputText, results, engine.tokenizer(), (System.nanoTime() - t0) / 1e9);
        }
        out.flush();
        return 0;
    }

    /** MindIE's lines: Question[i], Answer[i] and Generate[i] token num per sequence, then the E2E time. */
    private static void printAnswers(PrintWriter out, String inputText, List<GenerationResult> results, Tokenizer tokenizer,
            double secs) {
        int total = 0;
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            out.println("Question[" + i + "]: " + inputText);
            out.println("Answer[" + i + "]: " + tokenizer.decode(r.outputIds(), true));
            out.println("Generate[" + i + "] token num: " + r.outputIds().length);
            total += r.outputIds().length;
        }
        out.printf(Locale.ROOT, "E2E time %.3f s, %d tokens, %.2f tokens/s%n", secs, total, total / secs);
    }
}
