package org.tramontane.tokenizer;

import java.util.Objects;

/**
 * One turn of a conversation, as in HF's {@code messages} list.
 *
 * @param role    "user" or "assistant" for the Mixtral Instruct template
 * @param content the turn's text, inserted verbatim
 */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
