package org.tramontane.serve.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** OpenAI's usage; {@code prompt_tokens_details.cached_tokens} counts the prompt tokens the prefix cache held. */
public record Usage(@JsonProperty("prompt_tokens") int promptTokens,
        @JsonProperty("completion_tokens") int completionTokens,
        @JsonProperty("total_tokens") int totalTokens,
        @JsonProperty("prompt_tokens_details") PromptTokensDetails promptTokensDetails) {
    public record PromptTokensDetails(@JsonProperty("cached_tokens") int cachedTokens) {
    }

    public static Usage of(int promptTokens, int completionTokens, int cachedTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens,
                new PromptTokensDetails(cachedTokens));
    }
}
