package org.tramontane.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * HF {@code config.json} of a Mixtral checkpoint (MixtralConfig), immutable. Keys map one to one
 * through {@link JsonProperty}; unknown keys are ignored. Reading and validation live in
 * {@link MixtralConfigReader}, which names any missing required key.
 *
 * @param slidingWindow null when the checkpoint has no window
 * @param quantize      null for float checkpoints, else MindIE's scheme name ("w8a8_dynamic", "w8a16")
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MixtralConfig(
        @JsonProperty("model_type") String modelType,
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("intermediate_size") int intermediateSize,
        @JsonProperty("num_hidden_layers") int numLayers,
        @JsonProperty("num_attention_heads") int numHeads,
        @JsonProperty("num_key_value_heads") int numKvHeads,
        @JsonProperty("num_local_experts") int numExperts,
        @JsonProperty("num_experts_per_tok") int topK,
        @JsonProperty("rms_norm_eps") double rmsNormEps,
        @JsonProperty("rope_theta") double ropeTheta,
        @JsonProperty("max_position_embeddings") int maxPositionEmbeddings,
        @JsonProperty("sliding_window") Integer slidingWindow,
        @JsonProperty("tie_word_embeddings") boolean tieWordEmbeddings,
        @JsonProperty("bos_token_id") int bosTokenId,
        @JsonProperty("eos_token_id") int eosTokenId,
        @JsonProperty("torch_dtype") String torchDtype,
        @JsonProperty("quantize") String quantize) {

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Query width: numHeads * headDim. */
    public int qSize() {
        return numHeads * headDim();
    }

    /** Key/value width: numKvHeads * headDim. */
    public int kvSize() {
        return numKvHeads * headDim();
    }
}
