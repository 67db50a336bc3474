package org.tramontane.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.Prompt;
import org.tramontane.engine.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** MindIE's run_pa chat test (greedy), printing what MindIE prints; run_pa.sh calls this. */
@Command(name = "run-pa", mixinStandardHelpOptions = true,
        description = "The MindIE run_pa chat test: one prompt (repeated batch-size times), greedy, prints Answer[i] and token counts.")
final class RunPaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    ParallelOptions parallel;

    @Option(names = "--input-text", paramLabel = "TEXT", defaultValue = "Who is the CEO of Google?",
            description = "Default: ${DEFAULT-VALUE}")
    String inputText;

    @Option(names = "--max-output-length", paramLabel = "N", defaultValue = "10", description = "Default: ${DEFAULT-VALUE}.")
    int maxOutputLength;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "1", description = "Copies of the prompt run together. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--base", description = "Base model: encode the text with BOS instead of the chat template.")
    boolean base;

    @Override
    public Integer call() {
        if (batchSize < 1 || maxOutputLength < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--batch-size and --max-output-length must be >= 1");
        }
        var out = spec.commandLine().getOut();
        try (LlmEngine engine = LlmEngine.open(model.toSource(parallel.resolve()), org.tramontane.engine.EngineOptions.defaults())) {
            out.printf(Locale.ROOT, "Model loaded in %.2f s (%s)%n", engine.loadMillis() / 1000.0, engine.precision());
            if (model.load.loadFormat.equals("dummy")) {
                out.println("NOTE: dummy weights (deterministic random): the pipeline is real, the answers are gibberish.");
            }
            int[] ids = engine.encode(base ? Prompt.text(inputText) : Prompt.userTurn(inputText));
            List<GenerationRequest> reqs = new ArrayList<>(Collections.nCopies(batchSize,
                    new GenerationRequest(ids, maxOutputLength, false, SamplingParams.greedy())));
            long t0 = System.nanoTime();
            List<GenerationResult> results = engine.generate(reqs, (i, step, tok, logits) -> { });
            double secs = (System.nanoTime() - t0) / 1e9;
            int total = 0;
            for (int i = 0; i < results.size(); i++) {
                GenerationResult r = results.get(i);
                out.println("Question[" + i + "]: " + inputText);
                out.println("Answer[" + i + "]: " + engine.tokenizer().decode(r.outputIds(), true));
                out.println("Generate[" + i + "] token num: " + r.outputIds().length);
                total += r.outputIds().length;
            }
            out.printf(Locale.ROOT, "E2E time %.3f s, %d tokens, %.2f tokens/s%n", secs, total, total / secs);
        }
        out.flush();
        return 0;
    }
}
