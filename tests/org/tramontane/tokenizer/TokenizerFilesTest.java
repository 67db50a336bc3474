package org.tramontane.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading from odd directories: errors are one line and name the file. */
class TokenizerFilesTest {

    @Test
    void missingDirectoryIsNamed(@TempDir Path tmp) {
        Path missing = tmp.resolve("no-such-model");
        assertFails(() -> Tokenizer.load(missing), missing.toString());
    }

    @Test
    void directoryWithoutTokenizerIsNamed(@TempDir Path dir) {
        assertFails(() -> Tokenizer.load(dir), dir.toString());
    }

    @Test
    void malformedTokenizerJsonIsNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", ");
        String message = assertFails(() -> Tokenizer.load(dir), dir.resolve("tokenizer.json").toString());
        assertTrue(message.startsWith("cannot parse "), message);
    }

    @Test
    void tokenizerJsonWithoutVocabNamesKey(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\"}, \"decoder\": null}");
        String message = assertFails(() -> Tokenizer.load(dir), dir.resolve("tokenizer.json").toString());
        assertTrue(message.contains("model.vocab"), message);
    }

    @Test
    void unsupportedModelTypeIsNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\"}}");
        String message = assertFails(() -> Tokenizer.load(dir), dir.resolve("tokenizer.json").toString());
        assertTrue(message.contains("not supported"), message);
    }

    @Test
    void malformedTokenizerConfigIsNamed(@TempDir Path dir) throws IOException {
        Files.copy(Fixtures.mixtralDir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{ not json");
        assertFails(() -> Tokenizer.load(dir), dir.resolve("tokenizer_config.json").toString());
    }

    @Test
    void tokenizerJsonWithoutConfigsHasNoBos(@TempDir Path dir) throws IOException {
        Files.copy(Fixtures.mixtralDir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        String message = assertFails(() -> Tokenizer.load(dir), "bos_token");
        assertTrue(message.contains(dir.toString()), message);
    }

    @Test
    void specialTokensMapAloneIsEnough(@TempDir Path dir) throws IOException {
        Files.copy(Fixtures.mixtralDir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(Fixtures.mixtralDir().resolve("special_tokens_map.json"), dir.resolve("special_tokens_map.json"));
        Tokenizer tokenizer = Tokenizer.load(dir);
        assertEquals(1, tokenizer.bosId());
        assertEquals(2, tokenizer.eosId());
    }

    @Test
    void truncatedTokenizerModelIsNamed(@TempDir Path dir) throws IOException {
        byte[] model = Files.readAllBytes(Fixtures.root().resolve("tokenizer/spm-bpe-1k/tokenizer.model"));
        Files.write(dir.resolve("tokenizer.model"), java.util.Arrays.copyOf(model, model.length / 2));
        String message = assertFails(() -> Tokenizer.load(dir), dir.resolve("tokenizer.model").toString());
        assertTrue(message.contains("SentencePiece"), message);
    }

    @Test
    void tokenizerJsonIsPreferredOverTokenizerModel(@TempDir Path dir) throws IOException {
        Files.copy(Fixtures.mixtralDir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(Fixtures.mixtralDir().resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Files.copy(Fixtures.root().resolve("tokenizer/spm-bpe-1k/tokenizer.model"), dir.resolve("tokenizer.model"));
        assertEquals(32000, Tokenizer.load(dir).vocabSize());
        assertArrayEquals(new int[] {1, 22557, 1526}, Tokenizer.load(dir).encode("Hello world", true));
    }

    @Test
    void anEmptyAddedTokenIsNamed(@TempDir Path dir) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode)
                json.readTree(Fixtures.mixtralDir().resolve("tokenizer.json").toFile());
        // a new id past the vocabulary, so no clash with model.vocab hides the empty text
        ((com.fasterxml.jackson.databind.node.ArrayNode) root.get("added_tokens")).addObject()
                .put("id", 32000).put("content", "").put("special", true);
        json.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        Files.copy(Fixtures.mixtralDir().resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        String message = assertFails(() -> Tokenizer.load(dir), dir.resolve("tokenizer.json").toString());
        assertTrue(message.contains("added token 32000 has empty content"), message);
    }

    @Test
    void anIdOutsideTheVocabularyIsAUserError() {
        Tokenizer mixtral = Tokenizer.load(Fixtures.mixtralDir());
        assertEquals("token id 32000 is outside the vocabulary [0, 32000)",
                assertThrows(TokenizerException.class, () -> mixtral.decode(new int[] {1, 32000}, true)).getMessage());
    }

    /** The Mixtral tokenizer.json, edited, with its tokenizer_config.json, in {@code dir}. */
    private static void editedMixtral(Path dir, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit)
            throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode)
                json.readTree(Fixtures.mixtralDir().resolve("tokenizer.json").toFile());
        edit.accept(root);
        json.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        Files.copy(Fixtures.mixtralDir().resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode vocab(com.fasterxml.jackson.databind.node.ObjectNode root) {
        return (com.fasterxml.jackson.databind.node.ObjectNode) root.get("model").get("vocab");
    }

    @Test
    void idsWithGapsLoadAndDecodeAsHfDoes(@TempDir Path dir) throws IOException {
        // "▁world" moves from 1526 to 32003: 1526 and 32000..32002 have no piece, as a map-held HF vocab allows
        editedMixtral(dir, root -> vocab(root).put("\u2581world", 32003));
        Tokenizer t = Tokenizer.load(dir);
        assertEquals(32004, t.vocabSize());
        assertArrayEquals(new int[] {1, 22557, 32003}, t.encode("Hello world", true));
        assertEquals("Hello world", t.decode(new int[] {1, 22557, 32003}, true));
        // HF's decode drops ids without a piece, also between the bytes of one character
        assertEquals("Hello", t.decode(new int[] {22557, 1526, 32001}, true));
        assertEquals("\u20ac", t.decode(new int[] {3 + 0xE2, 1526, 3 + 0x82, 32000, 3 + 0xAC}, true));
        IncrementalDecoder stream = t.newDecoder();
        assertEquals("Hello", stream.push(22557));
        assertEquals("", stream.push(32002));
        assertEquals(" world", stream.push(32003));
        assertEquals("", t.idToPiece(1526));
        assertFalse(t.isSpecial(1526));
        assertEquals(java.util.OptionalInt.empty(), t.pieceToId(""));
        assertEquals("token id 32004 is outside the vocabulary [0, 32004)",
                assertThrows(TokenizerException.class, () -> t.decode(new int[] {32004}, true)).getMessage());
    }

    @Test
    void aStrayHugeIdIsRefusedBeforeAllocating(@TempDir Path dir) throws IOException {
        editedMixtral(dir, root -> vocab(root).put("\u2581world", 2_000_000_000));
        String message = assertFails(() -> Tokenizer.load(dir), dir.resolve("tokenizer.json").toString());
        assertTrue(message.contains("ids reach 2000000000 but there are only 32003 pieces"), message);
    }

    @Test
    void anIdThatIsNoIntegerIsNamed(@TempDir Path dir) throws IOException {
        editedMixtral(dir, root -> vocab(root).put("\u2581world", 15.5));
        String message = assertFails(() -> Tokenizer.load(dir), dir.resolve("tokenizer.json").toString());
        assertTrue(message.contains("model.vocab has the id 15.5"), message);
        editedMixtral(dir, root -> vocab(root).put("\u2581world", -3));
        assertFails(() -> Tokenizer.load(dir), "model.vocab has the id -3");
        editedMixtral(dir, root -> vocab(root).put("\u2581world", 4_294_967_296L));
        assertFails(() -> Tokenizer.load(dir), "model.vocab has the id 4294967296");
        editedMixtral(dir, root -> ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("added_tokens").get(1)).put("id", "1"));
        assertFails(() -> Tokenizer.load(dir), "added_tokens[].id has the id \"1\"");
    }

    @Test
    void twoPiecesOfOneIdAreNamed(@TempDir Path dir) throws IOException {
        editedMixtral(dir, root -> vocab(root).put("\u2581world", 22557));
        String message = assertFails(() -> Tokenizer.load(dir), dir.resolve("tokenizer.json").toString());
        assertTrue(message.contains("model.vocab gives id 22557 twice"), message);
    }

    /** Asserts a one-line TokenizerException mentioning {@code expected}; returns its message. */
    private static String assertFails(org.junit.jupiter.api.function.Executable load, String expected) {
        TokenizerException e = assertThrows(TokenizerException.class, load);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }
}
