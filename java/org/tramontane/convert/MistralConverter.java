package org.tramontane.convert;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tramontane.config.DType;
import org.tramontane.convert.MistralPlan.Job;
import org.tramontane.config.Progress;
import org.tramontane.tokenizer.Tokenizer;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.weights.SafetensorsWriter.ByteSource;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.MixtralCheckpointValidator;
import org.tramontane.weights.SafetensorsWriter;
import org.tramontane.weights.MixtralWeightNames;

/**
 * Converts a Mistral original "consolidated" Mixtral checkpoint into a standard HuggingFace
 * directory, as transformers v4.38.2 {@code convert_mixtral_weights_to_hf.py} does:
 * config.json (and generation_config.json) from params.json, one {@code model.safetensors} with
 * the HF tensor names in HF order, tokenizer files copied.
 *
 * <p>Input: {@code params.json} plus {@code consolidated.safetensors} (preferred when present)
 * or {@code consolidated.00.pt}, {@code consolidated.01.pt}, ... (each file holds different whole
 * tensors; they are merged, and a name in two files is an error). The .pt files are read by
 * {@link TorchZipReader}, which never runs pickle code.
 *
 * <p>Tensors: renamed per {@link MistralTensor} to {@link MixtralWeightNames}; wq and wk rows
 * moved from interleaved to rotate-half RoPE order (per head, HF row {@code c*hd/2 + j} = original
 * row {@code 2j + c}); each expert's w1/w3 is its block of rows of the stacked [E*I, H] tensor and
 * its w2 is the transpose of its block. Values are copied bit for bit, or rounded to nearest even
 * when a target dtype is given.
 *
 * <p>Everything is checked (params, every tensor's presence, shape and dtype, the output
 * directory) before anything is written; the output is then built in a temporary sibling
 * directory and renamed into place at the end, so a failure leaves no directory that looks
 * complete. Tensors are streamed one at a time; only the permuted and transposed ones are held
 * in memory, one at a time.
 */
public final class MistralConverter {
    private MistralConverter() {}

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /**
     * What a conversion produced.
     *
     * @param source      the weight file(s) read, e.g. {@code consolidated.safetensors}
     * @param copiedFiles tokenizer files copied, in {@link Tokenizer#FILES} order
     */
    public record Result(Path outputDir, List<Path> source, DType dtype, int numTensors, List<String> copiedFiles) {
        public Result {
            source = List.copyOf(source);
            copiedFiles = List.copyOf(copiedFiles);
        }
    }

    /**
     * Converts {@code inputDir} into a new directory {@code outputDir}.
     *
     * @param targetDtype F32, F16 or BF16; null keeps the source dtype (which must then be one dtype)
     * @param progress    {@link Progress#NONE} when nobody listens
     * @throws ConvertException or another {@link org.tramontane.config.UserException} naming the file or flag at fault
     */
    public static Result convert(Path inputDir, Path outputDir, DType targetDtype, Progress progress) {
        if (targetDtype != null && !targetDtype.isFloat()) {
            throw new ConvertException("--dtype " + targetDtype.cliName + ": the target dtype must be fp32, fp16 or bf16");
        }
        OutputDirectory.check(outputDir, "--output");
        if (!Files.isDirectory(inputDir)) {
            throw new ConvertException("--input " + inputDir + ": " + (Files.exists(inputDir) ? "not a directory" : "no such directory"));
        }
        MistralParams params = MistralParams.read(inputDir.resolve(MistralParams.FILE));
        List<Path> copies = tokenizerFiles(inputDir);
        try (MistralSources sources = MistralSources.open(inputDir)) {
            List<Job> jobs = MistralPlan.plan(params, sources);
            DType dtype = targetDtype != null ? targetDtype : MistralPlan.sourceDtype(jobs);
            OutputDirectory.writeAtomically(outputDir, "--output", tmp -> {
                writeJson(tmp.resolve("config.json"), params.hfConfigJson(dtype));
                writeJson(tmp.resolve("generation_config.json"), params.hfGenerationConfigJson());
                writeWeights(tmp.resolve(Checkpoint.SINGLE_FILE), jobs, dtype, progress);
                for (Path f : copies) copy(f, tmp.resolve(f.getFileName().toString()));
                selfCheck(tmp, params.toConfig(dtype));
            });
            return new Result(outputDir, sources.files(), dtype, jobs.size(),
                    copies.stream().map(p -> p.getFileName().toString()).toList());
        }
    }


    private static void writeWeights(Path target, List<Job> jobs, DType dtype, Progress progress) {
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        progress.start("convert", "tensors", jobs.size());
        for (Job j : jobs) {
            ByteSource data = out -> {
                j.transform().write(j.source(), dtype, out);
                progress.detail(j.name());
                progress.advance(1);
            };
            tensors.add(new SafetensorsWriter.Tensor(j.name(), dtype, j.shape(), data));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        SafetensorsWriter.write(target, metadata, tensors);
        progress.finish();
    }

    private static void writeJson(Path file, ObjectNode json) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        pp.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
        try {
            String text = JSON.writer(pp).writeValueAsString(json) + "\n";
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConvertException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new ConvertException(from + ": cannot copy to " + to + ": " + e.getMessage(), e);
        }
    }

    /** The tokenizer files present in {@code inputDir}; anything by those names that is not a file is refused. */
    private static List<Path> tokenizerFiles(Path inputDir) {
        List<Path> out = new ArrayList<>();
        for (String name : Tokenizer.FILES) {
            Path p = inputDir.resolve(name);
            if (!Files.exists(p)) continue;
            if (!Files.isRegularFile(p)) throw new ConvertException(p + ": not a regular file");
            out.add(p);
        }
        return out;
    }

    /** The written directory must read back as the model params.json describes. */
    private static void selfCheck(Path dir, MixtralConfig expected) {
        MixtralConfig written = MixtralConfigReader.read(dir.resolve("config.json"));
        if (!written.equals(expected)) {
            throw new IllegalStateException("written config.json reads back as " + written + ", expected " + expected);
        }
        MixtralCheckpointValidator.validate(Checkpoint.open(dir), written);
    }

}
