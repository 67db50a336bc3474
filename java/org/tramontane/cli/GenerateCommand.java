package org.tramontane.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a continuation for each prompt; all prompts run as one batch.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    BatchOptions batch;

    @Mixin
    StepBudgetOption budget;

    @Mixin
    KvCacheOptions kv;

    @Mixin
    PrefixCachingOption prefixCaching;

    @Mixin
    ParallelOptions parallel;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    PromptOptions prompts;

    @Mixin
    OutputFormatOption output;

    @Option(names = "--logits-out", paramLabel = "FILE.npy",
            description = "Write the raw logits each token was chosen from: float32 [sequences, max-output-length, vocab].")
    Path logitsOut;

    @Override
    public Integer call() throws IOException {
        sampling.params();
        if (logitsOut != null && logitsOut.toAbsolutePath().getParent() != null
                && !Files.isDirectory(logitsOut.toAbsolutePath().getParent())) {
            throw new CliException(logitsOut + ": directory does not exist (--logits-out)");
        }
        if (logitsOut != null && Files.isDirectory(logitsOut)) {
            throw new CliException(logitsOut + ": is a directory (--logits-out names the .npy file to write)");
        }
        EngineOptions options = prefixCaching.apply(kv.apply(batch.toOptions(budget)), false);
        try (LlmEngine engine = LlmEngine.open(model.toSource(parallel.resolve()), options)) {
            PrefixCachingOption.noteIfOff(engine, spec.commandLine().getErr());
            List<GenerationRequest> requests = new ArrayList<>();
            for (int[] ids : prompts.encode(engine)) {
                requests.add(new GenerationRequest(ids, sampling.maxOutputLength, sampling.ignoreEos, sampling.params()));
            }
            LogitsCapture logits = logitsOut == null ? null
                    : new LogitsCapture(requests.size(), sampling.maxOutputLength, engine.config().vocabSize());
            List<GenerationResult> results = engine.generate(requests, LogitsCapture.listener(logits));
            if (logits != null) logits.write(logitsOut);
            var out = spec.commandLine().getOut();
            out.println(GenerationOutput.format(results, engine.tokenizer(), output.format));
            out.flush();
            if (Main.verbose(spec.root().commandLine().getParseResult())) {
                spec.commandLine().getErr().println(PrefixCachingOption.statsLine(engine));
                spec.commandLine().getErr().flush();
            }
        }
        return 0;
    }
}
