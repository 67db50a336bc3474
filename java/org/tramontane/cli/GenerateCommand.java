package org.tramontane.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tramontane.engine.EngineException;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.TokenListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a continuation for each prompt; all prompts run as one batch.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    EngineFlagOptions engineFlags;

    @Mixin
    ParallelOptions parallel;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    PromptOptions prompts;

    @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
    String outputFormat;

    @Option(names = "--logits-out", paramLabel = "FILE.npy",
            description = "Write the raw logits each token was chosen from: float32 [sequences, max-output-length, vocab].")
    Path logitsOut;

    @Override
    public Integer call() throws IOException {
        if (!outputFormat.equals("text") && !outputFormat.equals("json")) {
            throw new ParameterException(spec.commandLine(), "--output-format must be text or json");
        }
        if (logitsOut != null && logitsOut.toAbsolutePath().getParent() != null
                && !Files.isDirectory(logitsOut.toAbsolutePath().getParent())) {
            throw new EngineException(logitsOut + ": directory does not exist (--logits-out)");
        }
        try (LlmEngine engine = LlmEngine.open(model.toSource(parallel.resolve()), engineFlags.toOptions())) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int[] ids : prompts.encode(engine)) {
                requests.add(new GenerationRequest(ids, sampling.maxOutputLength, sampling.ignoreEos, sampling.params()));
            }
            int vocab = engine.config().vocabSize();
            int steps = sampling.maxOutputLength;
            float[] logits = logitsOut == null ? null : new float[requests.size() * steps * vocab];
            TokenListener capture = logits == null ? TokenListener.NONE
                    : (r, step, token, row) -> System.arraycopy(row, 0, logits, (r * steps + step) * vocab, vocab);
            List<GenerationResult> results = engine.generate(requests, capture);
            if (logits != null) NpyWriter.writeF32(logitsOut, new long[] {requests.size(), steps, vocab}, logits);
            print(engine, results);
        }
        return 0;
    }

    private void print(LlmEngine engine, List<GenerationResult> results) throws IOException {
        var out = spec.commandLine().getOut();
        if (outputFormat.equals("json")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (GenerationResult r : results) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("input_ids", r.inputIds());
                row.put("output_ids", r.outputIds());
                row.put("text", engine.tokenizer().decode(r.outputIds(), true));
                rows.add(row);
            }
            out.println(new ObjectMapper().writeValueAsString(Map.of("outputs", rows)));
        } else {
            for (int i = 0; i < results.size(); i++) {
                out.println("Output[" + i + "]: " + engine.tokenizer().decode(results.get(i).outputIds(), true));
            }
        }
        out.flush();
    }
}
