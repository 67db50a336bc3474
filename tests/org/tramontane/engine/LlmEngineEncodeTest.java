package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.testing.Fixtures;
import org.tramontane.tokenizer.ChatMessage;
import org.tramontane.tokenizer.Tokenizer;
import org.tramontane.tokenizer.TokenizerException;

/** The engine's encode(prompt) against the tokenizer driven by hand, on the tiny-mixtral fixture. */
class LlmEngineEncodeTest {
    private static LlmEngine engine;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void open() {
        Path dir = Fixtures.dir("tiny-mixtral");
        engine = LlmEngine.open(new ModelSource(dir, ModelSource.LoadFormat.AUTO, DType.F32, BackendKind.CPU, 0, 1),
                new EngineOptions(16, 0, 1, 0));
        tokenizer = Tokenizer.load(dir);
    }

    @AfterAll
    static void close() {
        if (engine != null) engine.close();
    }

    @Test
    void textGetsBos() {
        int[] ids = engine.encode(Prompt.text("Who is the CEO of Google?"));
        assertArrayEquals(tokenizer.encode("Who is the CEO of Google?", true), ids);
        assertEquals(tokenizer.bosId(), ids[0]);
    }

    @Test
    void aUserTurnGoesThroughTheInstructTemplate() {
        int[] ids = engine.encode(Prompt.userTurn("Who is the CEO of Google?"));
        assertArrayEquals(tokenizer.encode("<s>[INST] Who is the CEO of Google? [/INST]", false), ids);
        assertEquals(1, count(ids, tokenizer.bosId()), "the template's BOS only, none added");
    }

    @Test
    void aConversationKeepsItsTurns() {
        List<ChatMessage> turns = List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello"), ChatMessage.user("Bye"));
        assertArrayEquals(tokenizer.encode("<s>[INST] Hi [/INST]Hello</s>[INST] Bye [/INST]", false),
                engine.encode(Prompt.chat(turns)));
    }

    @Test
    void turnsOutOfOrderAreAUserError() {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> engine.encode(Prompt.chat(List.of(ChatMessage.assistant("Hello")))));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void idsPassVerbatimAndStayTheCallersOwn() {
        int[] given = {5, 6, 7};
        Prompt prompt = Prompt.ids(given);
        int[] ids = engine.encode(prompt);
        assertArrayEquals(new int[] {5, 6, 7}, ids);
        ids[0] = 99;
        given[1] = 42;
        assertArrayEquals(new int[] {5, 6, 7}, engine.encode(prompt), "neither the result nor the input aliases the prompt");
    }

    private static int count(int[] ids, int id) {
        int n = 0;
        for (int i : ids) if (i == id) n++;
        return n;
    }
}
