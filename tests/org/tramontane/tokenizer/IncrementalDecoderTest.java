package org.tramontane.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Streaming decode: same text as full decode, never half a character. */
class IncrementalDecoderTest {
    private static Tokenizer mixtral;
    private static Tokenizer sentencePiece;

    @BeforeAll
    static void load() {
        mixtral = Tokenizer.load(Fixtures.mixtralDir());
        sentencePiece = Tokenizer.load(Fixtures.root().resolve("tokenizer/spm-bpe-1k"));
    }

    @TestFactory
    Stream<DynamicTest> streamingEqualsFullDecodeOnAllCases() {
        return Stream.of(mixtral, sentencePiece).flatMap(tokenizer -> {
            String dir = tokenizer == mixtral ? "tokenizer" : "tokenizer/spm-bpe-1k";
            List<Fixtures.TokenizerCase> cases = Fixtures.cases(Fixtures.root().resolve(dir).resolve("cases.jsonl"));
            return cases.stream().map(c -> DynamicTest.dynamicTest(dir + " " + MixtralTokenizerTest.abbreviate(c.text()),
                    () -> assertStreamsLikeDecode(tokenizer, c.ids())));
        });
    }

    /** Each push is whole characters only, and the pushes add up to decode(ids, true). */
    static void assertStreamsLikeDecode(Tokenizer tokenizer, int[] ids) {
        IncrementalDecoder decoder = tokenizer.newDecoder();
        StringBuilder streamed = new StringBuilder();
        for (int id : ids) {
            String piece = decoder.push(id);
            assertFalse(!piece.isEmpty() && Character.isHighSurrogate(piece.charAt(piece.length() - 1)),
                    "push(" + id + ") ended inside a surrogate pair");
            assertFalse(piece.indexOf('\uFFFD') >= 0, "push(" + id + ") emitted U+FFFD for valid text");
            streamed.append(piece);
        }
        assertEquals("", decoder.finish());
        assertEquals(tokenizer.decode(ids, true), streamed.toString());
    }

    @Test
    void multiByteCharacterArrivesWhole() {
        // "🦙" is four byte pieces after the dummy prefix: [1, 28705, 243, 162, 169, 156].
        IncrementalDecoder decoder = mixtral.newDecoder();
        assertEquals("", decoder.push(1));
        assertEquals("", decoder.push(28705), "the dummy prefix's space is stripped");
        assertEquals("", decoder.push(243));
        assertEquals("", decoder.push(162));
        assertEquals("", decoder.push(169));
        assertEquals("🦙", decoder.push(156));
        assertEquals(" Hello", decoder.push(22557));
    }

    @Test
    void leadingSpaceIsStrippedOnceAcrossTokens() {
        // "▁" then "▁Hello": full decode gives " Hello" (one of the two spaces is the dummy prefix).
        IncrementalDecoder decoder = mixtral.newDecoder();
        assertEquals("", decoder.push(28705));
        assertEquals(" Hello", decoder.push(22557));
        assertEquals(" Hello", mixtral.decode(new int[] {28705, 22557}, true));
    }

    @Test
    void specialTokensAreSkippedWithoutBreakingACharacter() {
        int[] ids = {1, 28705, 243, 162, 2, 169, 156};
        assertEquals("🦙", mixtral.decode(ids, true));
        assertStreamsLikeDecode(mixtral, ids);
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        // A lone continuation byte, then a lead byte cut short by a normal token, then one left open at the end.
        int[] ids = {28705, 162, 22557, 243, 162, 22557, 243};
        String expected = "\uFFFD Hello\uFFFD\uFFFD Hello\uFFFD";
        assertEquals(expected, mixtral.decode(ids, true));
        IncrementalDecoder decoder = mixtral.newDecoder();
        StringBuilder streamed = new StringBuilder();
        for (int id : ids) {
            streamed.append(decoder.push(id));
        }
        assertEquals(expected.substring(0, expected.length() - 1), streamed.toString());
        assertEquals("\uFFFD", decoder.finish());
    }

    @Test
    void decodeKeepsSpecialTokensWhenAsked() {
        int[] ids = mixtral.encode("Hi", true);
        assertEquals("<s> Hi", mixtral.decode(ids, false));
    }

    @Test
    void unknownIdIsRejected() {
        IncrementalDecoder decoder = mixtral.newDecoder();
        assertThrows(TokenizerException.class, () -> decoder.push(32000));
        assertThrows(TokenizerException.class, () -> mixtral.decode(new int[] {-1}, true));
    }
}
