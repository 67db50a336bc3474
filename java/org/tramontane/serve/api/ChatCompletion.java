package org.tramontane.serve.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code /v1/chat/completions}' answer (object "chat.completion", choices with a {@code message})
 * and its streamed chunks (object "chat.completion.chunk", choices with a {@code delta}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletion(String id, String object, long created, String model, List<Choice> choices, Usage usage) {

    /** A choice: {@code message} in the answer, {@code delta} in a chunk. */
    public record Choice(int index, @JsonInclude(JsonInclude.Include.NON_NULL) Message message,
            @JsonInclude(JsonInclude.Include.NON_NULL) Message delta, @JsonInclude(JsonInclude.Include.ALWAYS) Logprobs logprobs,
            @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("finish_reason") String finishReason) {
    }

    /** role and content; a chunk's delta carries either or neither. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Message(String role, String content) {
    }

    public record Logprobs(List<TokenLogprob> content) {
    }

    public record TokenLogprob(String token, float logprob, int[] bytes,
            @JsonProperty("top_logprobs") List<TopLogprob> topLogprobs) {
    }

    public record TopLogprob(String token, float logprob, int[] bytes) {
    }
}
