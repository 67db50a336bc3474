package org.tramontane.serve.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** {@code /v1/completions}' answer, and (object "text_completion" as OpenAI has it) each streamed chunk. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Completion(String id, String object, long created, String model, List<Choice> choices, Usage usage) {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Choice(int index, String text, Logprobs logprobs, @JsonProperty("finish_reason") String finishReason) {
    }

    /** Per token: its text, log-probability, the top alternatives, and where its text starts. */
    public record Logprobs(List<String> tokens, @JsonProperty("token_logprobs") List<Float> tokenLogprobs,
            @JsonProperty("top_logprobs") List<Map<String, Float>> topLogprobs,
            @JsonProperty("text_offset") List<Integer> textOffset) {
    }
}
