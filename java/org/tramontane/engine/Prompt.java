package org.tramontane.engine;

import java.util.List;
import org.tramontane.tokenizer.ChatMessage;

/**
 * A prompt before tokenization; {@link LlmEngine#encode} turns it into token ids with the engine's
 * own tokenizer and chat template, so no caller repeats render-then-encode.
 */
public sealed interface Prompt {
    /** Plain text, encoded with BOS (a base model's prompt). */
    record Text(String text) implements Prompt {
        public Text {
            if (text == null) throw new IllegalArgumentException("text is required");
        }
    }

    /** A conversation rendered with the model's chat template, which writes BOS itself. */
    record Chat(List<ChatMessage> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
        }
    }

    /** Token ids, fed verbatim (no BOS added). */
    record Ids(int[] ids) implements Prompt {
        public Ids {
            ids = ids.clone();
        }
    }

    static Prompt text(String text) {
        return new Text(text);
    }

    static Prompt chat(List<ChatMessage> messages) {
        return new Chat(messages);
    }

    /** One user turn through the chat template: how an instruct model is asked a single question. */
    static Prompt userTurn(String text) {
        return new Chat(List.of(ChatMessage.user(text)));
    }

    static Prompt ids(int[] ids) {
        return new Ids(ids);
    }
}
