package org.tramontane.quant;

import org.tramontane.config.JsonKeys;
import org.tramontane.config.QuantScheme;
import org.tramontane.weights.Checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A MindIE quant description ({@code quant_model_description.json}, or the legacy
 * {@code quant_model_description_<scheme>.json}): the checkpoint's scheme and, per tensor of the
 * weight file, whether it is part of a quantized linear or stays float.
 *
 * <pre>{"version": "1.0.0", "model_quant_type": "W8A8_DYNAMIC", "NAME": "W8A8_DYNAMIC" | "FLOAT", ...}</pre>
 *
 * The labels are checked when read; callers ask {@link #schemeOf(String)}.
 */
public final class QuantDescription {
    public static final String FILE_NAME = "quant_model_description.json";
    /** MindIE writes this version; legacy files may carry none. */
    public static final String VERSION = "1.0.0";

    private static final String VERSION_KEY = "version";
    private static final String TYPE_KEY = "model_quant_type";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path file;
    private final String version;
    private final QuantScheme scheme;
    /** Tensor name to its scheme, null for FLOAT; file order. */
    private final Map<String, QuantScheme> tensors;

    private QuantDescription(Path file, String version, QuantScheme scheme, Map<String, QuantScheme> tensors) {
        this.file = file;
        this.version = version;
        this.scheme = scheme;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** The description file in {@code modelDir}: the current name first, then the legacy names. */
    public static Optional<Path> find(Path modelDir) {
        List<Path> candidates = new ArrayList<>();
        candidates.add(modelDir.resolve(FILE_NAME));
        for (QuantScheme s : QuantScheme.values()) candidates.add(modelDir.resolve(s.legacyDescriptionFileName()));
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }

    /** Reads the description of the quantized checkpoint in {@code modelDir}. */
    public static QuantDescription read(Path modelDir) {
        Path file = find(modelDir).orElseThrow(() -> new QuantException(modelDir + ": no " + FILE_NAME
                + " (nor legacy " + QuantScheme.W8A8_DYNAMIC.legacyDescriptionFileName() + "): not a quantized checkpoint"));
        return readFile(file);
    }

    /** Reads one description file; any problem is a {@link QuantException} naming it. */
    public static QuantDescription readFile(Path file) {
        JsonNode root = parse(file);
        JsonNode type = root.get(TYPE_KEY);
        if (type == null || !type.isTextual()) {
            throw fail(file, "no " + TYPE_KEY + " string (one of " + labels() + ")");
        }
        QuantScheme scheme = QuantScheme.fromLabel(type.textValue()).orElseThrow(() -> fail(file,
                TYPE_KEY + " \"" + type.textValue() + "\" is not one of " + labels()));
        for (QuantScheme s : QuantScheme.values()) {
            if (file.getFileName().toString().equals(s.legacyDescriptionFileName()) && s != scheme) {
                throw fail(file, TYPE_KEY + " " + scheme.label + " contradicts the file name (" + s.label + ")");
            }
        }
        JsonNode versionNode = root.get(VERSION_KEY);
        if (versionNode != null && !versionNode.isTextual()) {
            throw fail(file, VERSION_KEY + " must be a string, got " + versionNode);
        }
        Map<String, QuantScheme> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String name = e.getKey();
            if (name.equals(VERSION_KEY) || name.equals(TYPE_KEY)) continue;
            JsonNode v = e.getValue();
            if (!v.isTextual()) throw fail(file, "tensor " + name + ": label must be a string, got " + v);
            String label = v.textValue();
            if (label.equals(QuantScheme.FLOAT_LABEL)) {
                tensors.put(name, null);
            } else {
                QuantScheme s = QuantScheme.fromLabel(label).orElseThrow(() -> fail(file, "tensor " + name
                        + ": label \"" + label + "\" is not " + QuantScheme.FLOAT_LABEL + " or one of " + labels()));
                tensors.put(name, s);
            }
        }
        return new QuantDescription(file, versionNode == null ? null : versionNode.textValue(), scheme, tensors);
    }

    public Path file() {
        return file;
    }

    /** The {@code version} string; empty for legacy files that have none. */
    public Optional<String> version() {
        return Optional.ofNullable(version);
    }

    /** {@code model_quant_type}: the checkpoint's scheme. */
    public QuantScheme scheme() {
        return scheme;
    }

    /** Every tensor the description lists, in file order. */
    public List<String> tensorNames() {
        return List.copyOf(tensors.keySet());
    }

    public boolean lists(String tensorName) {
        return tensors.containsKey(tensorName);
    }

    /**
     * The scheme of a tensor of a quantized linear ({@code .weight}, {@code .weight_scale},
     * {@code .weight_offset}), empty for a FLOAT tensor; a tensor the description does not list
     * is a {@link QuantException} naming the file.
     */
    public Optional<QuantScheme> schemeOf(String tensorName) {
        if (!tensors.containsKey(tensorName)) throw fail(file, "does not list tensor " + tensorName);
        return Optional.ofNullable(tensors.get(tensorName));
    }

    /**
     * Refuses a description that contradicts its checkpoint: a {@code model_quant_type} other than
     * config.json's {@code quantize}, a quantized weight listed without its {@code _scale} and
     * {@code _offset} entries, or a listed tensor the weight files lack.
     */
    public void checkAgainst(Checkpoint ckpt, QuantScheme configured) {
        if (scheme != configured) {
            throw fail(file, TYPE_KEY + " " + scheme.label + " contradicts config.json's quantize \""
                    + configured.configName + "\"");
        }
        for (Map.Entry<String, QuantScheme> e : tensors.entrySet()) {
            String name = e.getKey();
            if (e.getValue() != null && name.endsWith(".weight")) {
                for (String part : new String[] {name + "_scale", name + "_offset"}) {
                    if (!tensors.containsKey(part)) throw fail(file, "lists the quantized weight " + name + " but not " + part);
                }
            }
            if (ckpt.find(name).isEmpty()) throw fail(file, "lists tensor " + name + ", which the weight files lack");
        }
    }

    private static JsonNode parse(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new QuantException(file + ": no such file", e);
        } catch (JsonProcessingException e) {
            throw new QuantException(JsonKeys.invalidJson(file, e), e);
        } catch (IOException e) {
            throw new QuantException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw fail(file, "not a JSON object");
        return root;
    }

    private static List<String> labels() {
        return Arrays.stream(QuantScheme.values()).map(s -> s.label).toList();
    }

    private static QuantException fail(Path file, String what) {
        return new QuantException(file + ": " + what);
    }
}
