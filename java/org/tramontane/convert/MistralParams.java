package org.tramontane.convert;

import java.util.Optional;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import org.tramontane.config.JsonKeys;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;

/**
 * The {@code params.json} of a Mistral "consolidated" Mixtral checkpoint, read the way
 * transformers v4.38.2 {@code convert_mixtral_weights_to_hf.py} reads it, and the HF
 * {@code config.json} that script writes from it.
 *
 * <p>Required keys: hidden_size, intermediate_size, num_attention_heads, num_hidden_layers,
 * num_local_experts, rms_norm_eps, sliding_window, vocab_size. sliding_window is a string in
 * Mistral's files ({@code "4096"}; the script calls {@code int()} on it); an integer is accepted
 * too, and null means no window. Optional: num_key_value_heads (absent: = num_attention_heads),
 * rope_theta (absent: 10000, the script's default). Fixed by the script: max_position_embeddings
 * 32768 and num_experts_per_tok 2 (MixtralConfig's default); bos 1, eos 2, untied lm_head.
 *
 * @param slidingWindow null when the model has no window
 */
public record MistralParams(int hiddenSize, int intermediateSize, int numHeads, int numKvHeads, int numLayers,
                           int numExperts, int vocabSize, double rmsNormEps, double ropeTheta, Integer slidingWindow) {

    public static final String FILE = "params.json";
    /** The script's default when params.json has no rope_theta. */
    public static final double DEFAULT_ROPE_THETA = 10000.0;
    /** The script sets 4096 * 8. */
    public static final int MAX_POSITION_EMBEDDINGS = 32768;
    /** transformers MixtralConfig's default; params.json has no such key. */
    public static final int NUM_EXPERTS_PER_TOK = 2;
    public static final int BOS_TOKEN_ID = 1;
    public static final int EOS_TOKEN_ID = 2;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    public static MistralParams read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConvertException(file + ": no such file (a Mistral consolidated checkpoint has one)", e);
        } catch (JsonProcessingException e) {
            throw new ConvertException(JsonKeys.invalidJson(file, e), e);
        } catch (IOException e) {
            throw new ConvertException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ConvertException(file + ": not a JSON object");
        if (!root.has("hidden_size") && root.has("dim")) {
            throw new ConvertException(file + ": has \"dim\"/\"n_layers\"-style keys (mistral-inference layout);"
                    + " only the layout with hidden_size, num_hidden_layers, ... is supported");
        }
        JsonKeys k = new JsonKeys(file, root, ConvertException::new);
        int numHeads = k.requiredInt("num_attention_heads");
        MistralParams p = new MistralParams(
                k.requiredInt("hidden_size"),
                k.requiredInt("intermediate_size"),
                numHeads,
                k.optionalInt("num_key_value_heads", numHeads),
                k.requiredInt("num_hidden_layers"),
                k.requiredInt("num_local_experts"),
                k.requiredInt("vocab_size"),
                k.requiredDouble("rms_norm_eps"),
                k.optionalDouble("rope_theta", DEFAULT_ROPE_THETA),
                slidingWindow(k));
        p.validate(file);
        return p;
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** The engine's view of the converted checkpoint. */
    public MixtralConfig toConfig(DType torchDtype) {
        return new MixtralConfig(MixtralConfigReader.MODEL_TYPE, vocabSize, hiddenSize, intermediateSize, numLayers,
                numHeads, numKvHeads, numExperts, NUM_EXPERTS_PER_TOK, rmsNormEps, ropeTheta, MAX_POSITION_EMBEDDINGS,
                slidingWindow, false, BOS_TOKEN_ID, EOS_TOKEN_ID, torchDtype, Optional.empty());
    }

    /**
     * config.json as transformers v4.38.2 saves it for this model: same keys, same order, with
     * MixtralConfig's defaults for the keys params.json has no say in. Only
     * {@code transformers_version} is left out (no transformers wrote this file).
     */
    public ObjectNode hfConfigJson(DType torchDtype) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(MixtralConfigReader.ARCHITECTURE);
        c.put("model_type", MixtralConfigReader.MODEL_TYPE);
        c.put("vocab_size", vocabSize);
        c.put("hidden_size", hiddenSize);
        c.put("intermediate_size", intermediateSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("num_key_value_heads", numKvHeads);
        c.put("num_local_experts", numExperts);
        c.put("num_experts_per_tok", NUM_EXPERTS_PER_TOK);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", rmsNormEps);
        c.put("rope_theta", ropeTheta);
        c.put("max_position_embeddings", MAX_POSITION_EMBEDDINGS);
        if (slidingWindow == null) {
            c.putNull("sliding_window");
        } else {
            c.put("sliding_window", slidingWindow.intValue());
        }
        c.put("tie_word_embeddings", false);
        c.put("attention_dropout", 0.0);
        c.put("initializer_range", 0.02);
        c.put("router_aux_loss_coef", 0.02);
        c.put("output_router_logits", false);
        c.put("use_cache", true);
        c.put("bos_token_id", BOS_TOKEN_ID);
        c.put("eos_token_id", EOS_TOKEN_ID);
        c.put("torch_dtype", torchDtype.torchName);
        return c;
    }

    /** generation_config.json as transformers' save_pretrained writes it beside config.json (less its version). */
    public ObjectNode hfGenerationConfigJson() {
        ObjectNode c = JSON.createObjectNode();
        c.put("_from_model_config", true);
        c.put("bos_token_id", BOS_TOKEN_ID);
        c.put("eos_token_id", EOS_TOKEN_ID);
        return c;
    }

    private void validate(Path file) {
        positive(file, "hidden_size", hiddenSize);
        positive(file, "intermediate_size", intermediateSize);
        positive(file, "num_attention_heads", numHeads);
        positive(file, "num_key_value_heads", numKvHeads);
        positive(file, "num_hidden_layers", numLayers);
        positive(file, "num_local_experts", numExperts);
        positive(file, "vocab_size", vocabSize);
        if (slidingWindow != null) positive(file, "sliding_window", slidingWindow);
        if (!(rmsNormEps > 0)) throw new ConvertException(file + ": rms_norm_eps must be > 0, got " + rmsNormEps);
        if (!(ropeTheta > 0)) throw new ConvertException(file + ": rope_theta must be > 0, got " + ropeTheta);
        if (hiddenSize % numHeads != 0 || headDim() % 2 != 0) {
            throw new ConvertException(file + ": hidden_size " + hiddenSize + " / num_attention_heads " + numHeads
                    + " must give an even head dimension");
        }
        if (numHeads % numKvHeads != 0) {
            throw new ConvertException(file + ": num_key_value_heads " + numKvHeads
                    + " does not divide num_attention_heads " + numHeads);
        }
        if (NUM_EXPERTS_PER_TOK > numExperts) {
            throw new ConvertException(file + ": num_local_experts " + numExperts + " is below the "
                    + NUM_EXPERTS_PER_TOK + " experts Mixtral routes each token to");
        }
    }

    private static void positive(Path file, String key, int v) {
        if (v <= 0) throw new ConvertException(file + ": " + key + " must be positive, got " + v);
    }


    /** Required key, but its value may be null (no window), a decimal string or an integer. */
    private static Integer slidingWindow(JsonKeys k) {
        String key = "sliding_window";
        JsonNode v = k.raw(key);
        if (v == null) throw new ConvertException(k.file() + ": missing required key " + key);
        if (v.isNull()) return null;
        if (v.isTextual()) {
            try {
                return Integer.parseInt(v.textValue().trim());
            } catch (NumberFormatException e) {
                throw k.fail(key, "must be an integer or a string holding one, got " + v);
            }
        }
        return k.toInt(key, v);
    }
}
