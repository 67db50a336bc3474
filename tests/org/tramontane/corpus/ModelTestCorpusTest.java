package org.tramontane.corpus;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** modeltest's MindIE grammar, BoolQ .jsonl files and tokenize's input file. */
class ModelTestCorpusTest {
    static final String GOOD = "{\"question\": \"is it\", \"title\": \"t\", \"answer\": true, \"passage\": \"p\"}\n";

    static Case.Setup modeltest(String... args) {
        return d -> {
            List<String> a = new ArrayList<>(List.of("modeltest"));
            a.addAll(List.of(args));
            a.addAll(List.of("--output-dir", d.resolve("out").toString()));
            return a.toArray(String[]::new);
        };
    }

    /** full_BoolQ on the tiny checkpoint over one .jsonl file of {@code bytes}. */
    static Case.Setup boolq(byte[] bytes) {
        return d -> {
            Path f = d.resolve("dev.jsonl");
            Files.write(f, bytes);
            return modeltest("pa_bf16", "full_BoolQ", "1", "mixtral", FlagsCorpusTest.tiny(), "1", "--dataset-path",
                    f.toString()).args(d);
        };
    }

    static Case.Setup boolq(String text) {
        return boolq(text.getBytes(StandardCharsets.UTF_8));
    }

    static Case.Setup tokenizeFile(byte[] bytes) {
        return d -> {
            Path f = d.resolve("in.jsonl");
            Files.write(f, bytes);
            return Corpus.args("tokenize", "--model", FlagsCorpusTest.tiny(), "--input-file", f.toString());
        };
    }

    static byte[] badUtf8() {
        byte[] good = GOOD.getBytes(StandardCharsets.UTF_8);
        byte[] line = "{\"question\": \"\u00e9\", \"title\": \"t\", \"answer\": true, \"passage\": \"p\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[good.length + line.length];
        System.arraycopy(good, 0, all, 0, good.length);
        System.arraycopy(line, 0, all, good.length, line.length);
        // the second byte of é's two, cut: a lone lead byte followed by a quote
        all[good.length + 15] = (byte) 0xc3;
        all[good.length + 16] = '"';
        return all;
    }

    static Stream<Case> cases() {
        String tiny = FlagsCorpusTest.tiny();
        return Stream.of(
                Case.usage("no arguments", modeltest(), "model type"),
                Case.usage("unknown model type", modeltest("pa_int4", "full_BoolQ", "1", "mixtral", tiny, "1"), "pa_int4"),
                Case.usage("unknown mode", modeltest("pa_bf16", "full_MMLU", "1", "mixtral", tiny, "1"), "full_MMLU"),
                Case.usage("MindIE-only mode", modeltest("pa_bf16", "full_CEval", "1", "mixtral", tiny, "1"), "full_CEval"),
                Case.usage("malformed case pairs", modeltest("pa_bf16", "performance", "[[16,]", "1", "mixtral", tiny, "1"), "[[16,]"),
                Case.usage("case pair of output 0", modeltest("pa_bf16", "performance", "[[16,0]]", "1", "mixtral", tiny, "1"), "CASE_PAIRS"),
                Case.usage("batch 0", modeltest("pa_bf16", "full_BoolQ", "0", "mixtral", tiny, "1"), "BATCH"),
                Case.usage("batch x", modeltest("pa_bf16", "full_BoolQ", "x", "mixtral", tiny, "1"), "BATCH"),
                Case.usage("another model", modeltest("pa_bf16", "full_BoolQ", "1", "llama", tiny, "1"), "llama"),
                Case.usage("chip number 0", modeltest("pa_bf16", "full_BoolQ", "1", "mixtral", tiny, "0"), "CHIP_NUM"),
                Case.usage("chip number 3 does not split the heads", modeltest("pa_bf16", "full_BoolQ", "1", "mixtral", tiny, "3"), "3"),
                Case.usage("missing chip number", modeltest("pa_bf16", "full_BoolQ", "1", "mixtral", tiny), "CHIP_NUM"),
                Case.user("batch 1000000 exceeds memory", modeltest("pa_bf16", "performance", "[[16,2]]", "1000000", "mixtral",
                        "--load-format", "dummy", Corpus.preset("mixtral-demo.json"), "1"), "memory"),
                Case.user("BoolQ file missing", d -> modeltest("pa_bf16", "full_BoolQ", "1", "mixtral", tiny, "1", "--dataset-path",
                        d.resolve("none.jsonl").toString()).args(d), "none.jsonl"),
                Case.user("BoolQ folder without jsonl", d -> modeltest("pa_bf16", "full_BoolQ", "1", "mixtral", tiny, "1",
                        "--dataset-path", Files.createDirectories(d.resolve("empty")).toString()).args(d), "empty"),
                Case.user("BoolQ line not JSON", boolq(GOOD + "{\"question\": \n"), "dev.jsonl", "line 2"),
                Case.user("BoolQ line not an object", boolq(GOOD + "[1,2]\n"), "dev.jsonl", "line 2", "object"),
                Case.user("BoolQ answer not a boolean", boolq(GOOD.replace("true", "\"yes\"")), "dev.jsonl", "answer"),
                Case.user("BoolQ question missing", boolq(GOOD.replace("\"question\": \"is it\", ", "")), "dev.jsonl", "question"),
                Case.user("BoolQ passage a number", boolq(GOOD.replace("\"p\"", "3")), "dev.jsonl", "passage"),
                Case.user("BoolQ empty file", boolq(""), "dev.jsonl"),
                Case.user("BoolQ invalid UTF-8", boolq(badUtf8()), "dev.jsonl", "line 2", "UTF-8"),
                Case.user("tokenize file missing", d -> Corpus.args("tokenize", "--model", tiny, "--input-file",
                        d.resolve("none.jsonl").toString()), "none.jsonl"),
                Case.user("tokenize line not an object", tokenizeFile("[1]\n".getBytes(StandardCharsets.UTF_8)), "in.jsonl:1"),
                Case.user("tokenize line without text", tokenizeFile("{\"t\": 1}\n".getBytes(StandardCharsets.UTF_8)), "in.jsonl", "text"),
                Case.user("tokenize invalid UTF-8", tokenizeFile(new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xff,
                        '"', '}', '\n'}), "in.jsonl", "line 1", "UTF-8"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Case c) throws Exception {
        Corpus.check(c);
    }
}
