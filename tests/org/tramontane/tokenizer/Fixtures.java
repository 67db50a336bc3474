package org.tramontane.tokenizer;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The shared reference fixtures (see fixtures/README.md, section "tokenizer/"). */
final class Fixtures {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** One line of a cases.jsonl file; {@code pieces} only in spm-bpe-1k. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record TokenizerCase(String text, int[] ids, List<String> pieces) {
    }

    /** One entry of prompts-*.json; {@code text} is absent for id-only prompts, {@code chat} for plain ones. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Prompt(String name, String text, List<ChatMessage> chat, int[] ids) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record PromptFile(List<Prompt> prompts) {
    }

    private Fixtures() {
    }

    /** The fixtures folder; skips the calling test, saying why, when it is absent. */
    static Path root() {
        Path root = Path.of(System.getProperty("tramontane.fixtures", "../shared/fixtures"));
        assumeTrue(Files.isDirectory(root.resolve("tokenizer")),
                "fixtures folder " + root.toAbsolutePath() + " is absent; set -Dtramontane.fixtures");
        return root;
    }

    /** A checkpoint dir holding the real Mixtral tokenizer.json and configs. */
    static Path mixtralDir() {
        return root().resolve("tiny-mixtral");
    }

    static List<TokenizerCase> cases(Path jsonl) {
        try {
            List<TokenizerCase> cases = new ArrayList<>();
            for (String line : Files.readAllLines(jsonl)) {
                if (!line.isBlank()) {
                    cases.add(MAPPER.readValue(line, TokenizerCase.class));
                }
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Prompt> prompts(Path json) {
        try {
            return MAPPER.readValue(json.toFile(), PromptFile.class).prompts();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
