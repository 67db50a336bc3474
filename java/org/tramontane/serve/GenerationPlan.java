package org.tramontane.serve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.SplittableRandom;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.LogitsAdjust;
import org.tramontane.engine.Prompt;
import org.tramontane.engine.SamplingParams;
import org.tramontane.engine.StreamRequest;
import org.tramontane.serve.api.GenerateBody;
import org.tramontane.serve.api.PromptInput;

/**
 * A checked generation request: its prompts as token ids, and the engine sequences to run (n per
 * prompt, prompt-major as OpenAI numbers the choices). Every field out of range, unsupported, or
 * belonging to the other endpoint is a 400 naming it.
 *
 * @param promptTexts the prompts as text (for {@code echo}); decoded when given as ids
 */
record GenerationPlan(Endpoint endpoint, List<int[]> prompts, List<String> promptTexts, int n,
        List<StreamRequest> sequences, boolean stream, boolean includeUsage, boolean echo, boolean logprobs) {
    /** The most alternatives a step reports (vLLM's default max_logprobs). */
    static final int MAX_LOGPROBS = 20;

    static GenerationPlan of(GenerateBody b, Endpoint endpoint, ServingContext ctx) {
        if (b.model() != null && !b.model().equals(ctx.modelName())) {
            throw new ApiException(404, "not_found_error", "model", "The model `" + b.model() + "` does not exist.");
        }
        refuseOtherEndpoint(b, endpoint);
        List<int[]> prompts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        if (endpoint == Endpoint.CHAT) {
            int[] ids = Prompts.chat(b.messages(), "messages", ctx);
            prompts.add(ids);
            texts.add(null);
        } else {
            if (b.prompt() == null || b.prompt().prompts().isEmpty()) throw ApiException.badRequest("prompt", "'prompt' is required");
            for (PromptInput.Prompt p : b.prompt().prompts()) {
                int[] ids = ctx.engine().encode(p.text() != null ? Prompt.text(p.text()) : Prompt.ids(p.ids()));
                Prompts.checkIds(ids, "prompt", ctx);
                prompts.add(ids);
                texts.add(p.text() != null ? p.text() : ctx.tokenizer().decode(ids, true));
            }
        }
        int n = b.n() == null ? 1 : Range.atLeast("n", b.n(), 1);
        SamplingParams sampling = sampling(b);
        LogitsAdjust adjust = adjust(b, ctx.loop().vocabSize());
        boolean ignoreEos = Boolean.TRUE.equals(b.ignoreEos());
        List<String> stop = b.stop() == null ? List.of() : b.stop().strings();
        for (int i = 0; i < stop.size(); i++) {
            if (stop.get(i).isEmpty()) throw ApiException.badRequest("stop", "'stop' strings must not be empty");
        }
        int[] stopIds = b.stopTokenIds() == null ? new int[0] : b.stopTokenIds().stream().mapToInt(Integer::intValue).toArray();
        Prompts.checkIds(stopIds, "stop_token_ids", ctx);
        int numLogprobs = numLogprobs(b, endpoint);
        boolean stream = Boolean.TRUE.equals(b.stream());
        if (b.streamOptions() != null && !stream) {
            throw ApiException.badRequest("stream_options", "'stream_options' is only allowed with 'stream': true");
        }
        boolean includeUsage = b.streamOptions() != null && Boolean.TRUE.equals(b.streamOptions().includeUsage());
        boolean echo = Boolean.TRUE.equals(b.echo());
        if (echo && numLogprobs >= 0) throw ApiException.unsupported("echo", "'echo' together with 'logprobs'");
        Integer maxTokens = endpoint == Endpoint.CHAT && b.maxCompletionTokens() != null ? b.maxCompletionTokens() : b.maxTokens();
        String maxTokensField = endpoint == Endpoint.CHAT && b.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        if (maxTokens != null) Range.atLeast(maxTokensField, maxTokens, 1);
        List<StreamRequest> seqs = new ArrayList<>();
        for (int[] ids : prompts) {
            int max = Prompts.maxNewTokens(ids.length, maxTokens, maxTokensField, ctx.loop());
            for (int c = 0; c < n; c++) {
                seqs.add(new StreamRequest(new GenerationRequest(ids, max, ignoreEos, sampling), stop, stopIds, numLogprobs, adjust, c));
            }
        }
        return new GenerationPlan(endpoint, prompts, texts, n, seqs, stream, includeUsage, echo, numLogprobs >= 0);
    }

    private static void refuseOtherEndpoint(GenerateBody b, Endpoint endpoint) {
        if (endpoint == Endpoint.CHAT) {
            if (b.prompt() != null) throw ApiException.badRequest("prompt", "unsupported field 'prompt' (chat takes 'messages')");
            if (b.echo() != null) throw ApiException.badRequest("echo", "unsupported field 'echo' in a chat completion");
        } else {
            if (b.messages() != null) {
                throw ApiException.badRequest("messages", "unsupported field 'messages' (completions take 'prompt')");
            }
            if (b.maxCompletionTokens() != null) {
                throw ApiException.badRequest("max_completion_tokens", "unsupported field 'max_completion_tokens' in a completion (use 'max_tokens')");
            }
            if (b.topLogprobs() != null) {
                throw ApiException.badRequest("top_logprobs", "unsupported field 'top_logprobs' in a completion ('logprobs' takes the count)");
            }
        }
    }

    private static SamplingParams sampling(GenerateBody b) {
        double temperature = b.temperature() == null ? 1.0 : Range.atLeast("temperature", b.temperature(), 0);
        double topP = b.topP() == null ? 1.0 : Range.within("top_p", b.topP(), 0, 1);
        if (topP == 0) throw ApiException.badRequest("top_p", "'top_p' must be in (0, 1] (got 0)");
        int topK = b.topK() == null ? 0 : Range.atLeast("top_k", b.topK(), -1);
        long seed = b.seed() != null ? b.seed() : new SplittableRandom().nextLong();
        return new SamplingParams((float) temperature, Math.max(topK, 0), (float) topP, seed);
    }

    private static LogitsAdjust adjust(GenerateBody b, int vocabSize) {
        double presence = b.presencePenalty() == null ? 0 : Range.within("presence_penalty", b.presencePenalty(), -2, 2);
        double frequency = b.frequencyPenalty() == null ? 0 : Range.within("frequency_penalty", b.frequencyPenalty(), -2, 2);
        double repetition = b.repetitionPenalty() == null ? 1 : Range.within("repetition_penalty", b.repetitionPenalty(), 0, 2);
        if (repetition == 0) throw ApiException.badRequest("repetition_penalty", "'repetition_penalty' must be > 0 (got 0)");
        double minP = b.minP() == null ? 0 : Range.within("min_p", b.minP(), 0, 1);
        Map<Integer, Float> bias = new HashMap<>();
        if (b.logitBias() != null) {
            for (Map.Entry<String, Double> e : b.logitBias().entrySet()) {
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException x) {
                    throw ApiException.badRequest("logit_bias", "'logit_bias' keys must be token ids (got '" + e.getKey() + "')");
                }
                if (id < 0 || id >= vocabSize) {
                    throw ApiException.badRequest("logit_bias", "token id " + id + " in 'logit_bias' is outside the vocabulary [0, "
                            + vocabSize + ")");
                }
                if (e.getValue() == null) throw ApiException.badRequest("logit_bias", "'logit_bias' values must be numbers");
                bias.put(id, (float) Range.within("logit_bias", e.getValue(), -100, 100));
            }
        }
        return new LogitsAdjust((float) presence, (float) frequency, (float) repetition, (float) minP, bias);
    }

    /** The alternatives to report per token, or -1 for no logprobs. */
    private static int numLogprobs(GenerateBody b, Endpoint endpoint) {
        if (b.logprobs() == null) {
            if (b.topLogprobs() != null) throw ApiException.badRequest("top_logprobs", "'top_logprobs' needs 'logprobs': true");
            return -1;
        }
        if (endpoint == Endpoint.CHAT) {
            if (b.logprobs().flag() == null) throw ApiException.badRequest("logprobs", "'logprobs' must be a boolean in a chat completion");
            int top = b.topLogprobs() == null ? 0 : Range.within("top_logprobs", b.topLogprobs(), 0, MAX_LOGPROBS);
            if (!b.logprobs().flag()) {
                if (b.topLogprobs() != null) throw ApiException.badRequest("top_logprobs", "'top_logprobs' needs 'logprobs': true");
                return -1;
            }
            return top;
        }
        if (b.logprobs().count() == null) throw ApiException.badRequest("logprobs", "'logprobs' must be an integer in a completion");
        return Range.within("logprobs", b.logprobs().count(), 0, MAX_LOGPROBS);
    }
}
