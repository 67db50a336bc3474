package org.tramontane.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatTemplateTest {
    private final ChatTemplate template = ChatTemplate.mixtralInstruct("<s>", "</s>");

    @Test
    void rendersMultiTurnConversation() {
        String rendered = template.render(List.of(ChatMessage.user("hi"), ChatMessage.assistant("answer"),
                ChatMessage.user("more")));
        assertEquals("<s>[INST] hi [/INST]answer</s>[INST] more [/INST]", rendered);
    }

    @Test
    void rendersNoMessagesAsBosOnly() {
        assertEquals("<s>", template.render(List.of()));
    }

    @Test
    void rejectsTurnsThatDoNotAlternate() {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> template.render(List.of(ChatMessage.user("a"), ChatMessage.user("b"))));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
        assertThrows(TokenizerException.class, () -> template.render(List.of(ChatMessage.assistant("a"))));
    }

    @Test
    void rejectsUnknownRole() {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> template.render(List.of(ChatMessage.user("a"), new ChatMessage("system", "b"))));
        assertEquals("Only user and assistant roles are supported!", e.getMessage());
        // In first position the template's alternation check fires before the role check.
        TokenizerException first = assertThrows(TokenizerException.class,
                () -> template.render(List.of(new ChatMessage("system", "b"))));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", first.getMessage());
    }

    @Test
    void loadsTheFixtureTemplateAndEncodesBosAsSpecialToken() {
        ChatTemplate loaded = ChatTemplate.load(Fixtures.mixtralDir());
        Tokenizer tokenizer = Tokenizer.load(Fixtures.mixtralDir());
        int[] ids = tokenizer.encode(loaded.render(List.of(ChatMessage.user("Hello world"))), false);
        assertEquals(1, ids[0]);
        assertEquals(1, Arrays.stream(ids).filter(id -> id == 1).count(), "exactly one BOS");
    }

    @Test
    void acceptsTemplateDifferingOnlyInCodeWhitespace(@TempDir Path dir) throws IOException {
        String spaced = ChatTemplate.MIXTRAL_INSTRUCT_TEMPLATE.replace("{% endif %}", "{%   endif\n %}")
                .replace("{{ bos_token }}", "{{bos_token}}");
        writeConfig(dir, spaced);
        assertEquals("<s>[INST] x [/INST]", ChatTemplate.load(dir).render(List.of(ChatMessage.user("x"))));
    }

    @Test
    void acceptsMissingTemplate(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
        assertEquals("<s>[INST] x [/INST]", ChatTemplate.load(dir).render(List.of(ChatMessage.user("x"))));
    }

    @Test
    void refusesOtherTemplates(@TempDir Path dir) throws IOException {
        // Whitespace in a string literal or between tags changes the output, so these are other templates.
        for (String other : List.of(
                ChatTemplate.MIXTRAL_INSTRUCT_TEMPLATE.replace("'[INST] '", "'[INST]  '"),
                ChatTemplate.MIXTRAL_INSTRUCT_TEMPLATE.replace("{% endif %}{% endfor %}", "{% endif %}\n{% endfor %}"),
                "{% for message in messages %}{{ message['content'] }}{% endfor %}")) {
            writeConfig(dir, other);
            TokenizerException e = assertThrows(TokenizerException.class, () -> ChatTemplate.load(dir));
            assertEquals("chat template of " + dir.resolve("tokenizer_config.json")
                    + " is not supported yet (only the Mistral/Mixtral Instruct [INST] template is)", e.getMessage());
        }
    }

    @Test
    void missingConfigNamesTheFile(@TempDir Path dir) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> ChatTemplate.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer_config.json").toString()), e.getMessage());
    }

    private static void writeConfig(Path dir, String chatTemplate) throws IOException {
        String json = "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"chat_template\": "
                + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(chatTemplate) + "}";
        Files.writeString(dir.resolve("tokenizer_config.json"), json);
    }
}
