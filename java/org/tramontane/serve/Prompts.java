package org.tramontane.serve;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.engine.EngineLoop;
import org.tramontane.engine.Prompt;
import org.tramontane.serve.api.ChatMessageBody;
import org.tramontane.tokenizer.ChatMessage;
import org.tramontane.tokenizer.TokenizerException;

/** Prompts into token ids, and the context and pool limits every sequence must fit. */
final class Prompts {
    private Prompts() {}

    /**
     * A chat's messages through the model's chat template. Mixtral Instruct has no system role:
     * system messages are folded into the first user turn (blank line between), as Mistral's own
     * tokenizer does, instead of failing the template's alternation check.
     */
    static int[] chat(List<ChatMessageBody> messages, String field, ServingContext ctx) {
        if (messages == null || messages.isEmpty()) throw ApiException.badRequest(field, "'" + field + "' must be a non-empty list");
        StringBuilder system = new StringBuilder();
        List<ChatMessage> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessageBody m = messages.get(i);
            String at = field + "[" + i + "]";
            if (m == null) throw ApiException.badRequest(at, "'" + at + "' must be an object");
            if (m.role() == null) throw ApiException.badRequest(at + ".role", "'" + at + ".role' is required");
            if (m.content() == null) throw ApiException.badRequest(at + ".content", "'" + at + ".content' is required");
            if (m.name() != null) throw ApiException.unsupported(at + ".name", "'" + at + ".name'");
            switch (m.role()) {
                case "system" -> system.append(system.length() == 0 ? "" : "\n\n").append(m.content());
                case "user", "assistant" -> turns.add(new ChatMessage(m.role(), m.content()));
                default -> throw ApiException.unsupported(at + ".role", "role '" + m.role() + "' (system, user and assistant are)");
            }
        }
        if (system.length() > 0) {
            if (turns.isEmpty() || !turns.get(0).role().equals("user")) {
                throw ApiException.badRequest(field, "a system message needs a user message after it to be folded into");
            }
            turns.set(0, ChatMessage.user(system + "\n\n" + turns.get(0).content()));
        }
        int[] ids;
        try {
            ids = ctx.engine().encode(Prompt.chat(turns));
        } catch (TokenizerException e) {
            throw ApiException.badRequest(field, "this model has no usable chat template: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(field, e.getMessage());
        }
        checkIds(ids, field, ctx);
        return ids;
    }

    /** Non-empty (for a prompt) and inside the vocabulary. */
    static void checkIds(int[] ids, String field, ServingContext ctx) {
        if (ids.length == 0 && !field.equals("stop_token_ids")) throw ApiException.badRequest(field, "the prompt is empty");
        int vocab = ctx.loop().vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw ApiException.badRequest(field, "token id " + id + " in '" + field + "' is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    /**
     * The output cap of one sequence: {@code requested}, or all the room the context (and the KV
     * pool) leaves. A prompt or a request over the limits is a 400 naming them, never truncated.
     */
    static int maxNewTokens(int promptLen, Integer requested, String field, EngineLoop loop) {
        int maxLen = loop.maxModelLen();
        int poolLen = loop.maxPoolPositions();
        if (promptLen >= maxLen) {
            throw ApiException.badRequest("prompt", "This model's maximum context length is " + maxLen
                    + " tokens. However, your prompt has " + promptLen + " tokens, leaving no room for the completion.");
        }
        if (requested != null && promptLen + requested > maxLen) {
            throw ApiException.badRequest(field, "This model's maximum context length is " + maxLen + " tokens. However, you"
                    + " requested " + (promptLen + requested) + " tokens (" + promptLen + " in the prompt, " + requested
                    + " in '" + field + "').");
        }
        int limit = Math.min(maxLen, poolLen);
        int want = requested != null ? requested : limit - promptLen;
        if (want < 1 || promptLen + want > poolLen) {
            throw ApiException.badRequest(requested != null ? field : "prompt", "The KV cache holds " + poolLen
                    + " positions per sequence at most (--num-blocks x --block-size). However, this request needs "
                    + (promptLen + Math.max(want, 1)) + " (" + promptLen + " in the prompt, " + Math.max(want, 1)
                    + " for the completion).");
        }
        return want;
    }
}
