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

/** The protobuf tokenizer.model loader against fixtures/tokenizer/spm-bpe-1k (sentencepiece 0.1.97 ids). */
class SentencePieceModelTest {
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.root().resolve("tokenizer/spm-bpe-1k"));
    }

    @Test
    void readsPiecesAndTrainerSpec() {
        assertEquals(1000, tokenizer.vocabSize());
        assertEquals(1, tokenizer.bosId());
        assertEquals(2, tokenizer.eosId());
        assertEquals("<unk>", tokenizer.idToPiece(0));
        assertEquals("<s>", tokenizer.idToPiece(1));
        assertEquals("</s>", tokenizer.idToPiece(2));
        assertEquals("<0x0A>", tokenizer.idToPiece(13));
        assertEquals(true, tokenizer.isSpecial(1));
        assertEquals(false, tokenizer.isSpecial(13));
    }

    @TestFactory
    Stream<DynamicTest> casesEncodeToSentencePieceIds() {
        List<Fixtures.TokenizerCase> cases = Fixtures.cases(Fixtures.root().resolve("tokenizer/spm-bpe-1k/cases.jsonl"));
        assertEquals(237, cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(MixtralTokenizerTest.abbreviate(c.text()), () -> {
            int[] ids = tokenizer.encode(c.text(), true);
            List<String> pieces = Arrays.stream(ids).skip(1).mapToObj(tokenizer::idToPiece).toList();
            assertEquals(c.pieces(), pieces, "pieces");
            assertArrayEquals(c.ids(), ids, "ids");
            if (!c.text().contains("\u2581")) {
                assertEquals(c.text(), tokenizer.decode(ids, true), "decode");
            }
        }));
    }
}
