package org.tramontane.serve.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code POST /tokenize} (vLLM's): {@code prompt} or {@code messages}. */
public record TokenizeBody(String model, String prompt, List<ChatMessageBody> messages,
        @JsonProperty("add_special_tokens") Boolean addSpecialTokens) {

    public record Answer(int count, @JsonProperty("max_model_len") int maxModelLen, int[] tokens) {
    }
}
