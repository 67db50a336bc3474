package org.tramontane.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Optional;

/**
 * HF {@code config.json} of a Mixtral checkpoint (transformers' MixtralConfig), immutable and typed.
 * Each component names its key through {@link JsonProperty}; {@link MixtralConfigReader} reads and
 * checks the file and names any missing or malformed key.
 *
 * @param slidingWindow null when the checkpoint has no window
 * @param torchDtype    the dtype the checkpoint's float tensors are stored in (F32, F16 or BF16)
 * @param quantize      empty for float checkpoints, else MindIE's scheme ({@code "quantize"} key)
 */
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
        @JsonProperty("torch_dtype") DType torchDtype,
        @JsonProperty("quantize") Optional<QuantScheme> quantize) {

    public MixtralConfig {
        if (torchDtype == null || !torchDtype.isFloat()) throw new IllegalArgumentException("torchDtype " + torchDtype);
        if (quantize == null) throw new IllegalArgumentException("quantize: use Optional.empty()");
    }

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
