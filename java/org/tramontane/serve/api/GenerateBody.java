package org.tramontane.serve.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code /v1/completions} and {@code /v1/chat/completions}: every field either
 * endpoint accepts, as the OpenAI API (and vLLM's extensions) name them. A field not listed here is
 * refused by the parser, naming it; each endpoint also refuses those of the other ({@code prompt}
 * in a chat, {@code messages} in a completion). Absent fields are null.
 */
public record GenerateBody(
        String model,
        PromptInput prompt,
        List<ChatMessageBody> messages,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("top_k") Integer topK,
        @JsonProperty("min_p") Double minP,
        Integer n,
        Long seed,
        StopInput stop,
        @JsonProperty("stop_token_ids") List<Integer> stopTokenIds,
        @JsonProperty("ignore_eos") Boolean ignoreEos,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        @JsonProperty("repetition_penalty") Double repetitionPenalty,
        @JsonProperty("logit_bias") Map<String, Double> logitBias,
        LogprobsInput logprobs,
        @JsonProperty("top_logprobs") Integer topLogprobs,
        Boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        Boolean echo,
        String user) {
}
