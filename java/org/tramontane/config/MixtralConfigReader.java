package org.tramontane.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads a HuggingFace Mixtral {@code config.json} into {@link MixtralConfig}, checking it first.
 *
 * <p>Databinding straight into the record would turn a missing key into 0 without a word, so the
 * JSON is read as a tree and each key taken explicitly: a required key that is absent, or a value
 * of the wrong kind, is a {@link ConfigException} naming the file and the key. Optional keys get
 * the defaults of transformers' {@code MixtralConfig}: num_key_value_heads = num_attention_heads,
 * sliding_window none, bos 1, eos 2, tie_word_embeddings false. transformers leaves torch_dtype
 * unset when absent (the weights then load as float32), so absent means "float32" here.
 * {@code quantize} (MindIE's key) absent means a float checkpoint.
 */
public final class MixtralConfigReader {
    private MixtralConfigReader() {}

    public static final String MODEL_TYPE = "mixtral";
    public static final String ARCHITECTURE = "MixtralForCausalLM";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    public static MixtralConfig read(Path configJson) {
        return read(configJson, parse(configJson));
    }

    /**
     * Reads a {@code --load-format dummy} preset: the config keys, and {@value Preset#TOKENIZER_KEY}
     * (the tokenizer directory, relative to the preset file). A missing tokenizer key, or any other
     * key starting with {@value Preset#KEY_PREFIX}, is an error naming the key.
     */
    public static Preset readPreset(Path presetFile) {
        JsonNode root = parse(presetFile);
        MixtralConfig config = read(presetFile, root);
        JsonKeys k = new JsonKeys(presetFile, root, ConfigException::new);
        root.fieldNames().forEachRemaining(key -> {
            if (key.startsWith(Preset.KEY_PREFIX) && !key.equals(Preset.TOKENIZER_KEY)) {
                throw k.fail(key, "is not a preset key (the tokenizer directory goes under " + Preset.TOKENIZER_KEY + ")");
            }
        });
        String dir = k.requiredString(Preset.TOKENIZER_KEY);
        return new Preset(config, presetFile.toAbsolutePath().getParent().resolve(dir).normalize());
    }

    private static MixtralConfig read(Path configJson, JsonNode root) {
        JsonKeys k = new JsonKeys(configJson, root, ConfigException::new);
        checkIsMixtral(configJson, root);

        int numHeads = k.requiredInt("num_attention_heads");
        MixtralConfig c = new MixtralConfig(
                MODEL_TYPE,
                k.requiredInt("vocab_size"),
                k.requiredInt("hidden_size"),
                k.requiredInt("intermediate_size"),
                k.requiredInt("num_hidden_layers"),
                numHeads,
                k.optionalInt("num_key_value_heads", numHeads),
                k.requiredInt("num_local_experts"),
                k.requiredInt("num_experts_per_tok"),
                k.requiredDouble("rms_norm_eps"),
                k.requiredDouble("rope_theta"),
                k.requiredInt("max_position_embeddings"),
                k.optionalInt("sliding_window", null),
                k.optionalBoolean("tie_word_embeddings", false),
                k.optionalInt("bos_token_id", 1),
                k.optionalInt("eos_token_id", 2),
                torchDtype(k),
                quantize(k));
        validate(configJson, c);
        return c;
    }

    private static DType torchDtype(JsonKeys k) {
        String name = k.optionalString("torch_dtype", DType.F32.torchName);
        List<String> floats = Arrays.stream(DType.values()).filter(DType::isFloat).map(d -> d.torchName).toList();
        return Arrays.stream(DType.values()).filter(d -> d.isFloat() && d.torchName.equals(name)).findFirst()
                .orElseThrow(() -> k.fail("torch_dtype", "\"" + name + "\" is not one of " + floats));
    }

    private static Optional<QuantScheme> quantize(JsonKeys k) {
        String name = k.optionalString("quantize", null);
        if (name == null) return Optional.empty();
        return Optional.of(QuantScheme.fromConfigName(name).orElseThrow(() -> k.fail("quantize",
                "\"" + name + "\" is not one of [" + QuantScheme.configNames() + "]")));
    }

    private static JsonNode parse(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file", e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(JsonKeys.invalidJson(file, e), e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode()) throw new ConfigException(file + ": empty file, expected a JSON object");
        if (!root.isObject()) throw new ConfigException(file + ": not a JSON object");
        return root;
    }

    /** model_type decides when present; otherwise the architectures list must name Mixtral. */
    private static void checkIsMixtral(Path file, JsonNode root) {
        // the experts' SwiGLU is silu; another activation would run silently as silu
        JsonNode act = root.get("hidden_act");
        if (act != null && !act.isNull() && !"silu".equals(act.asText())) {
            throw new ConfigException(file + ": hidden_act " + act + " is not supported (Mixtral's experts use silu)");
        }
        JsonNode type = root.get("model_type");
        if (type != null && !type.isNull()) {
            if (!MODEL_TYPE.equals(type.asText())) {
                throw new ConfigException(file + ": not a Mixtral checkpoint (model_type=" + type.asText() + ")");
            }
            return;
        }
        JsonNode arch = root.get("architectures");
        if (arch != null && arch.isArray()) {
            for (JsonNode a : arch) {
                if (ARCHITECTURE.equals(a.asText())) return;
            }
        }
        throw new ConfigException(file + ": not a Mixtral checkpoint (no model_type, architectures="
                + (arch == null ? "absent" : arch.toString()) + ")");
    }

    private static void validate(Path file, MixtralConfig c) {
        Check check = new Check(file);
        check.positive("vocab_size", c.vocabSize());
        check.positive("hidden_size", c.hiddenSize());
        check.positive("intermediate_size", c.intermediateSize());
        check.positive("num_hidden_layers", c.numLayers());
        check.positive("num_attention_heads", c.numHeads());
        check.positive("num_key_value_heads", c.numKvHeads());
        check.positive("num_local_experts", c.numExperts());
        check.positive("num_experts_per_tok", c.topK());
        check.positive("max_position_embeddings", c.maxPositionEmbeddings());
        if (!(c.rmsNormEps() > 0)) check.fail("rms_norm_eps", "must be > 0, got " + c.rmsNormEps());
        if (!(c.ropeTheta() > 0)) check.fail("rope_theta", "must be > 0, got " + c.ropeTheta());
        if (c.slidingWindow() != null) check.positive("sliding_window", c.slidingWindow());
        if (c.hiddenSize() % c.numHeads() != 0) {
            check.fail("hidden_size", c.hiddenSize() + " is not divisible by num_attention_heads " + c.numHeads());
        }
        if (c.headDim() % 2 != 0) {
            // rotate-half RoPE pairs dimension j with j + headDim/2
            check.fail("hidden_size", "head dim " + c.headDim() + " (hidden_size / num_attention_heads) must be even");
        }
        if (c.numHeads() % c.numKvHeads() != 0) {
            check.fail("num_key_value_heads", c.numKvHeads() + " does not divide num_attention_heads " + c.numHeads());
        }
        if (c.topK() > c.numExperts()) {
            check.fail("num_experts_per_tok", c.topK() + " exceeds num_local_experts " + c.numExperts());
        }
    }

    private record Check(Path file) {
        void positive(String key, int value) {
            if (value <= 0) fail(key, "must be positive, got " + value);
        }

        void fail(String key, String what) {
            throw new ConfigException(file + ": " + key + " " + what);
        }
    }

}
