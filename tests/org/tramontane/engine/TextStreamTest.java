package org.tramontane.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tramontane.testing.Fixtures;
import org.tramontane.tokenizer.Tokenizer;

/** Stop strings across token boundaries, with the real Mixtral tokenizer's pieces. */
class TextStreamTest {
    private static Tokenizer tokenizer;
    private static final String TEXT = "Hello world, how are you today?";

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.dir("tiny-mixtral"));
    }

    /** Pushes every id of TEXT; returns the released text (plus finish()) and whether a stop matched. */
    private static String run(List<String> stop, boolean[] stopped) {
        TextStream s = new TextStream(tokenizer.newDecoder(), stop);
        StringBuilder out = new StringBuilder();
        for (int id : tokenizer.encode(TEXT, false)) {
            if (s.stopped()) break;
            out.append(s.push(id));
        }
        stopped[0] = s.stopped();
        return out.append(s.finish()).toString();
    }

    @Test
    void aStopStringSpanningTokensCutsTheTextBeforeIt() {
        assertTrue(tokenizer.encode("lo wor", false).length > 1);
        boolean[] stopped = new boolean[1];
        assertEquals("Hel", run(List.of("lo wor"), stopped));
        assertTrue(stopped[0]);
        assertEquals("Hello world, how", run(List.of(" are", "zzz"), stopped), "the first match of any stop string");
    }

    @Test
    void withoutAMatchEveryCharacterComesOutOnce() {
        boolean[] stopped = new boolean[1];
        assertEquals(TEXT, run(List.of("xyzzy"), stopped));
        assertFalse(stopped[0]);
        assertEquals(TEXT, run(List.of(), stopped));
    }

    @Test
    void theTailThatMightStartAStopStringIsHeldBack() {
        TextStream s = new TextStream(tokenizer.newDecoder(), List.of("worlds"));
        StringBuilder out = new StringBuilder();
        for (int id : tokenizer.encode("Hello world", false)) out.append(s.push(id));
        assertTrue("Hello world".startsWith(out.toString()));
        assertTrue(out.length() <= "Hello world".length() - 5, "the last 5 characters wait: " + out);
        assertEquals("Hello world", out + s.finish());
    }
}
