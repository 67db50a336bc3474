package org.tramontane.convert;

import org.tramontane.config.Progress;
import org.tramontane.config.QuantScheme;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.tramontane.config.UserException;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.MixtralCheckpointValidator;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.MixtralWeightNames.Role;
import org.tramontane.weights.SafetensorsWriter;
import org.tramontane.weights.SafetensorsWriter.ByteSource;
import org.tramontane.weights.SafetensorsWriter.Tensor;
import org.tramontane.weights.TensorInfo;
import org.tramontane.quant.QuantDescription;

/**
 * Turns a float HF Mixtral checkpoint into MindIE's "ascendV1" quantized layout (what
 * msModelSlim's {@code convert_quant_weights.py} plus the README's manual steps produce):
 * <ul>
 *   <li>{@code quant_model_weight_<scheme>.safetensors}, one file: every quantizable linear
 *       (q/k/v/o, expert w1/w2/w3) becomes {@code NAME.weight} I8 [out, in],
 *       {@code NAME.weight_scale} F32 [out, 1] and {@code NAME.weight_offset} F32 [out, 1] (zeros)
 *       at the position of its float {@code .weight}; every other tensor is copied byte for byte;
 *       source tensor order is kept;</li>
 *   <li>{@code quant_model_description.json}: version, model_quant_type, then each tensor's label
 *       in file order;</li>
 *   <li>{@code config.json}: the source's, keys in their order, plus {@code "quantize"};</li>
 *   <li>the tokenizer and generation files the source has ({@link #OutputDirectory.COMPANION_FILES}).</li>
 * </ul>
 * BF16/F16 sources are widened exactly to float32 before quantizing ({@link WeightQuantizer}).
 * Tensors are streamed one at a time (a linear a block of rows at a time). Everything is built in
 * a temporary sibling of the output directory and renamed into place at the end
 * ({@link StagedOutputs}); on any failure or signal the temporary directory is deleted, so the
 * output either exists complete or not at all.
 */
public final class Quantizer {
    private Quantizer() {}

    public static final String CONFIG_FILE = "config.json";
    /** What msModelSlim's saver (safetensors.torch.save_file) puts in the header. */
    static final Map<String, String> SAFETENSORS_METADATA = Map.of("format", "pt");

    private static final String QUANTIZE_KEY = "quantize";
    /** The flags of the quantize verb, so each directory error names the one to change. */
    private static final String MODEL_PATH = "--model-path";
    private static final String SAVE_DIRECTORY = "--save-directory";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** A checked float source: its config.json as written, and its weights. */
    private record Source(ObjectNode configJson, Checkpoint checkpoint, Set<String> quantizable) {}

    /**
     * Quantizes the float checkpoint in {@code srcDir} into the new directory {@code dstDir}.
     *
     * @throws ConvertException when dstDir is srcDir, dstDir exists and is not an empty directory,
     *                        srcDir is not a float Mixtral checkpoint (or is already quantized),
     *                        or writing fails; nothing is left at dstDir then
     */
    public static void quantize(Path srcDir, Path dstDir, QuantScheme scheme, Progress progress) {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(progress, "progress");
        Path src = sourceDir(srcDir);
        Path dst = targetDir(dstDir, src);
        Source source = openSource(src);
        try (StagedOutputs staged = StagedOutputs.open()) {
            Path tmp = staged.directory(dst);
            Path weights = tmp.resolve(scheme.weightFileName());
            writeWeights(source, weights, scheme, progress);
            writeConfig(source, tmp.resolve(CONFIG_FILE), scheme);
            matchPermissions(weights, tmp.resolve(CONFIG_FILE));
            for (String name : OutputDirectory.COMPANION_FILES) {
                Path f = src.resolve(name);
                if (!Files.isRegularFile(f)) continue;
                // through a stream, so the copy gets the umask's permissions, not the source's (often read-only)
                try (InputStream in = Files.newInputStream(f)) {
                    Files.copy(in, tmp.resolve(name));
                }
            }
            staged.commit();
        } catch (IOException e) {
            throw new ConvertException(SAVE_DIRECTORY + " " + dstDir + ": cannot write: " + e, e);
        }
    }

    // ---- checks ---------------------------------------------------------------------------------

    private static Path sourceDir(Path srcDir) {
        if (!Files.isDirectory(srcDir)) {
            throw new ConvertException(MODEL_PATH + " " + srcDir
                    + (Files.exists(srcDir) ? " is not a directory" : " does not exist"));
        }
        try {
            return srcDir.toRealPath();
        } catch (IOException e) {
            throw new ConvertException(MODEL_PATH + " " + srcDir + ": cannot resolve: " + e.getMessage(), e);
        }
    }

    /** The real path the output will get; refuses the source itself and anything that is not absent or an empty directory. */
    private static Path targetDir(Path dstDir, Path src) {
        Path abs = dstDir.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) throw new ConvertException(SAVE_DIRECTORY + " " + dstDir + " is a filesystem root");
        if (!Files.isDirectory(parent)) {
            throw new ConvertException(SAVE_DIRECTORY + " " + dstDir + ": its parent " + parent + " does not exist");
        }
        try {
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.exists(abs)) {
                throw new ConvertException(SAVE_DIRECTORY + " " + dstDir + " is a broken symbolic link");
            }
            Path real = Files.exists(abs) ? abs.toRealPath() : parent.toRealPath().resolve(abs.getFileName());
            if (real.equals(src)) {
                throw new ConvertException(SAVE_DIRECTORY + " " + dstDir + " is the source directory (" + MODEL_PATH + ") " + src
                        + ": quantize never overwrites its source");
            }
            if (Files.exists(real)) {
                if (!Files.isDirectory(real)) {
                    throw new ConvertException(SAVE_DIRECTORY + " " + dstDir + " exists and is not a directory");
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(real)) {
                    if (ds.iterator().hasNext()) {
                        throw new ConvertException(SAVE_DIRECTORY + " " + dstDir + " exists and is not empty");
                    }
                }
            }
            return real;
        } catch (IOException e) {
            throw new ConvertException(SAVE_DIRECTORY + " " + dstDir + ": cannot inspect: " + e.getMessage(), e);
        }
    }

    private static Source openSource(Path src) {
        Path configFile = src.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new ConvertException(MODEL_PATH + " " + src + " has no " + CONFIG_FILE + ": not a HF checkpoint");
        }
        MixtralConfig config = notFloatMixtral(src, () -> MixtralConfigReader.read(configFile));
        if (config.quantize().isPresent()) {
            throw alreadyQuantized(src, CONFIG_FILE + " sets \"quantize\": \"" + config.quantize().get().configName + "\"");
        }
        QuantDescription.find(src).ifPresent(d -> {
            throw alreadyQuantized(src, "it has " + d.getFileName());
        });
        Checkpoint ckpt = notFloatMixtral(src, () -> Checkpoint.open(src));
        for (TensorInfo t : ckpt.tensors()) {
            if (!t.dtype().isFloat()) {
                throw alreadyQuantized(src, "tensor " + t.name() + " is " + t.dtype().safetensorsName);
            }
        }
        notFloatMixtral(src, () -> {
            MixtralCheckpointValidator.validate(ckpt, config);
            return config;
        });
        Set<String> quantizable = MixtralWeightNames.expected(config).stream()
                .filter(e -> e.role() == Role.QUANTIZABLE_LINEAR)
                .map(MixtralWeightNames.Expected::name)
                .collect(Collectors.toUnmodifiableSet());
        return new Source(readConfigTree(configFile), ckpt, quantizable);
    }

    private static <T> T notFloatMixtral(Path src, Supplier<T> step) {
        try {
            return step.get();
        } catch (UserException e) {
            throw new ConvertException(MODEL_PATH + " " + src + " is not a usable float Mixtral checkpoint: "
                    + e.getMessage(), e);
        }
    }

    private static ConvertException alreadyQuantized(Path src, String why) {
        return new ConvertException(MODEL_PATH + " " + src + " is already quantized (" + why
                + "); quantize needs a float checkpoint");
    }

    private static ObjectNode readConfigTree(Path configFile) {
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(configFile));
            // MixtralConfigReader has accepted this file, so it is an object
            return (ObjectNode) root;
        } catch (IOException e) {
            throw new ConvertException(configFile + ": cannot read: " + e.getMessage(), e);
        }
    }

    // ---- output ---------------------------------------------------------------------------------

    private static void writeWeights(Source source, Path file, QuantScheme scheme, Progress progress)
            throws IOException {
        List<TensorInfo> in = source.checkpoint().tensors();
        List<Tensor> out = new ArrayList<>();
        Map<String, String> description = new LinkedHashMap<>();
        description.put("version", QuantDescription.VERSION);
        description.put("model_quant_type", scheme.label);
        progress.start("quantize", "tensors", in.size());
        for (TensorInfo t : in) {
            ByteSource reportDone = ch -> {
                progress.detail(t.name());
                progress.advance(1);
            };
            if (source.quantizable().contains(t.name())) {
                LinearQuantStream q = new LinearQuantStream(t);
                String scale = MixtralWeightNames.weightScale(t.name());
                String offset = MixtralWeightNames.weightOffset(t.name());
                out.add(new Tensor(t.name(), scheme.weightDType, t.shape(), q.weight()));
                out.add(new Tensor(scale, scheme.scaleDType, q.scaleShape(), q.scale()));
                out.add(new Tensor(offset, scheme.scaleDType, q.scaleShape(), then(q.offset(), reportDone)));
                for (String name : List.of(t.name(), scale, offset)) description.put(name, scheme.label);
            } else {
                out.add(new Tensor(t.name(), t.dtype(), t.shape(), then(ByteSource.copyOf(t), reportDone)));
                description.put(t.name(), QuantScheme.FLOAT_LABEL);
            }
        }
        SafetensorsWriter.write(file, SAFETENSORS_METADATA, out);
        progress.finish();
        PythonStyleJson.write(file.resolveSibling(QuantDescription.FILE_NAME), description);
    }

    /**
     * SafetensorsWriter builds the file with createTempFile, which makes it 0600; give it the
     * permissions a freshly created file (here config.json) gets under the user's umask.
     */
    private static void matchPermissions(Path file, Path like) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView(PosixFileAttributeView.class)) return;
        Files.setPosixFilePermissions(file, Files.getPosixFilePermissions(like));
    }

    private static ByteSource then(ByteSource first, ByteSource second) {
        return (WritableByteChannel ch) -> {
            first.writeTo(ch);
            second.writeTo(ch);
        };
    }

    private static void writeConfig(Source source, Path file, QuantScheme scheme) throws IOException {
        ObjectNode config = source.configJson().deepCopy();
        config.put(QUANTIZE_KEY, scheme.configName);
        PythonStyleJson.write(file, config);
    }
}
