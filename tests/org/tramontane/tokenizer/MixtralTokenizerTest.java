package org.tramontane.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The real Mixtral tokenizer.json against fixtures/tokenizer (HF tokenizers reference ids). */
class MixtralTokenizerTest {
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        long start = System.nanoTime();
        tokenizer = Tokenizer.load(Fixtures.mixtralDir());
        // Reported, not asserted: timing asserts are flaky on shared build machines.
        System.out.printf("tokenizer.json (32000 pieces) loaded in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    }

    @Test
    void specialIdsAndVocabulary() {
        assertEquals(1, tokenizer.bosId());
        assertEquals(2, tokenizer.eosId());
        assertEquals(32000, tokenizer.vocabSize());
        assertEquals("<unk>", tokenizer.idToPiece(0));
        assertEquals("<0x0A>", tokenizer.idToPiece(13));
        assertEquals("▁Hello", tokenizer.idToPiece(22557));
    }

    @TestFactory
    Stream<DynamicTest> casesEncodeToReferenceIdsAndDecodeBack() {
        List<Fixtures.TokenizerCase> cases = Fixtures.cases(Fixtures.root().resolve("tokenizer/cases.jsonl"));
        assertEquals(237, cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(abbreviate(c.text()), () -> {
            assertArrayEquals(c.ids(), tokenizer.encode(c.text(), true), "encode");
            // A literal "▁" in the text decodes as a space (README), so only encode is checked there.
            if (!c.text().contains("\u2581")) {
                assertEquals(c.text(), tokenizer.decode(c.ids(), true), "decode");
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> promptsReproduceGoldenIds() {
        Stream<Fixtures.Prompt> prompts = Stream.of("prompts-main.json", "prompts-swa.json")
                .flatMap(name -> Fixtures.prompts(Fixtures.root().resolve("tokenizer").resolve(name)).stream())
                .filter(p -> p.text() != null);
        ChatTemplate template = ChatTemplate.load(Fixtures.mixtralDir());
        return prompts.map(p -> DynamicTest.dynamicTest(p.name(), () -> {
            if (p.chat() != null) {
                String rendered = template.render(p.chat());
                assertEquals(p.text(), rendered, "rendered chat prompt");
                assertArrayEquals(p.ids(), tokenizer.encode(rendered, false));
            } else {
                // hello_no_bos is the one plain prompt encoded without BOS.
                boolean addBos = p.ids().length > 0 && p.ids()[0] == tokenizer.bosId();
                assertArrayEquals(p.ids(), tokenizer.encode(p.text(), addBos));
            }
        }));
    }

    @Test
    void specialTokensInTextAreMatchedLiterally() {
        assertArrayEquals(new int[] {1, 1, 22557, 2}, tokenizer.encode("<s>Hello</s>", true));
        // Each stretch between special tokens gets its own dummy prefix, as in HF.
        assertArrayEquals(tokenizer.encode("Hello", false),
                Arrays.copyOfRange(tokenizer.encode("</s>Hello", false), 1, 2));
        assertEquals("<s> Hello</s>", tokenizer.decode(new int[] {1, 22557, 2}, false));
        assertEquals("Hello", tokenizer.decode(new int[] {1, 22557, 2}, true));
    }

    @Test
    void emptyTextIsBosOnly() {
        assertArrayEquals(new int[] {1}, tokenizer.encode("", true));
        assertArrayEquals(new int[0], tokenizer.encode("", false));
        assertEquals("", tokenizer.decode(new int[] {1}, true));
    }

    @Test
    void longTextEncodesLikeItsParts() {
        // Thousands of characters form one BPE word (no pre-splitting), so this exercises the heap merger.
        // Paragraphs joined by "\n" split BPE at the newline byte piece, so the ids are the parts' ids joined.
        String paragraph = "Mixtral is a sparse mixture-of-experts language model. Each layer has eight "
                + "feed-forward experts, and a router picks two of them for every token.";
        int[] one = tokenizer.encode(paragraph, false);
        StringBuilder text = new StringBuilder(paragraph);
        int copies = 200;
        for (int i = 1; i < copies; i++) {
            text.append('\n').append(paragraph);
        }
        int[] all = tokenizer.encode(text.toString(), false);
        int newline = 13;
        int[] tail = tokenizer.encode("\n" + paragraph, false);
        assertEquals(newline, tail[1], "\"\\n\" after the dummy prefix is its byte piece");
        int[] continued = Arrays.copyOfRange(tail, 1, tail.length);
        assertEquals(one.length + (copies - 1) * continued.length, all.length);
        assertArrayEquals(one, Arrays.copyOfRange(all, 0, one.length));
        for (int i = 1; i < copies; i++) {
            int from = one.length + (i - 1) * continued.length;
            assertArrayEquals(continued, Arrays.copyOfRange(all, from, from + continued.length));
        }
        assertEquals(text.toString(), tokenizer.decode(all, true));
    }

    static String abbreviate(String text) {
        String shown = text.replace("\n", "\\n").replace("\t", "\\t");
        return shown.length() <= 60 ? "'" + shown + "'" : "'" + shown.substring(0, 57) + "...'";
    }
}
