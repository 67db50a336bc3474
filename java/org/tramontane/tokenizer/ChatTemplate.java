package org.tramontane.tokenizer;

import java.nio.file.Path;
import java.util.List;

/**
 * The Mistral/Mixtral Instruct chat template, implemented in Java instead of with a Jinja
 * engine. It reproduces this {@code chat_template} exactly, error messages included:
 *
 * <pre>
 * {{ bos_token }}{% for message in messages %}
 *   {% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}
 *   {% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}
 *   {% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}
 *   {% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}
 * {% endfor %}
 * </pre>
 *
 * The output starts with the BOS token as text, so encode it with {@code addBos = false}.
 */
public final class ChatTemplate {
    /** The template as written in Mixtral-8x7B-Instruct's tokenizer_config.json. */
    static final String MIXTRAL_INSTRUCT_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
            + "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
            + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    static final String ALTERNATION_ERROR = "Conversation roles must alternate user/assistant/user/assistant/...";
    static final String ROLE_ERROR = "Only user and assistant roles are supported!";

    private final String bosToken;
    private final String eosToken;

    private ChatTemplate(String bosToken, String eosToken) {
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** The Mixtral Instruct template with the given BOS/EOS texts (normally "<s>" and "</s>"). */
    public static ChatTemplate mixtralInstruct(String bosToken, String eosToken) {
        return new ChatTemplate(bosToken, eosToken);
    }

    /**
     * Reads {@code tokenizer_config.json} of a model directory. A missing {@code chat_template}
     * means the Mixtral Instruct one (what Mistral's own files imply); any other template is refused.
     *
     * @throws TokenizerException when the file is missing or malformed, lacks bos_token/eos_token,
     *                            or holds a template other than Mixtral Instruct's
     */
    public static ChatTemplate load(Path modelDir) {
        Path file = modelDir.resolve(Tokenizer.TOKENIZER_CONFIG);
        TokenizerConfig config = TokenizerConfig.read(file);
        if (config.chatTemplate() != null
                && !withoutCodeWhitespace(config.chatTemplate()).equals(withoutCodeWhitespace(MIXTRAL_INSTRUCT_TEMPLATE))) {
            throw new TokenizerException("chat template of " + file
                    + " is not supported yet (only the Mistral/Mixtral Instruct [INST] template is)");
        }
        if (config.bosToken() == null || config.eosToken() == null) {
            throw new TokenizerException(file + ": the chat template needs bos_token and eos_token");
        }
        return new ChatTemplate(config.bosToken(), config.eosToken());
    }

    /**
     * @throws TokenizerException with the template's own message when turns do not
     *                            alternate user/assistant starting with user, or a role is unknown (a user error)
     */
    public String render(List<ChatMessage> messages) {
        StringBuilder out = new StringBuilder(bosToken);
        for (int index = 0; index < messages.size(); index++) {
            ChatMessage message = messages.get(index);
            boolean isUser = message.role().equals("user");
            // Checked before the role itself, as in the template: a "system" turn first fails here.
            if (isUser != (index % 2 == 0)) {
                throw new TokenizerException(ALTERNATION_ERROR);
            }
            if (isUser) {
                out.append("[INST] ").append(message.content()).append(" [/INST]");
            } else if (message.role().equals("assistant")) {
                out.append(message.content()).append(eosToken);
            } else {
                throw new TokenizerException(ROLE_ERROR);
            }
        }
        return out.toString();
    }

    /**
     * Drops whitespace inside {@code {{ }}} and {@code {% %}} tags but outside quoted string
     * literals, so templates that differ only in code layout compare equal, while text between
     * tags (which Jinja outputs) and '[INST] ' keep every character.
     */
    static String withoutCodeWhitespace(String template) {
        StringBuilder out = new StringBuilder(template.length());
        boolean inTag = false;
        char quote = 0;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (!inTag) {
                out.append(c);
                if (c == '{' && i + 1 < template.length()
                        && (template.charAt(i + 1) == '{' || template.charAt(i + 1) == '%')) {
                    out.append(template.charAt(++i));
                    inTag = true;
                }
            } else if (quote != 0) {
                out.append(c);
                if (c == '\\' && i + 1 < template.length()) {
                    out.append(template.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                out.append(c);
            } else if ((c == '}' || c == '%') && i + 1 < template.length() && template.charAt(i + 1) == '}') {
                out.append(c).append(template.charAt(++i));
                inTag = false;
            } else if (!Character.isWhitespace(c)) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
