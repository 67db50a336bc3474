package org.tramontane.corpus;

import static org.tramontane.corpus.Corpus.model;
import static org.tramontane.corpus.Corpus.write;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.testing.Fixtures;

/** Broken config.json files, presets and tokenizers of a checkpoint, each refused before generating. */
class ConfigCorpusTest {
    static final String CFG = "config.json";

    /** The tiny checkpoint's config.json with {@code from} replaced by {@code to}. */
    static Case.Setup config(String from, String to) {
        return d -> {
            Path m = model(d);
            String text = Files.readString(m.resolve(CFG));
            if (!text.contains(from)) throw new AssertionError(CFG + " lacks " + from);
            write(m.resolve(CFG), text.replace(from, to));
            return WeightsCorpusTest.generate(m);
        };
    }

    static Case key(String key, String from, String to) {
        return Case.user(key + " " + to, config("\"" + key + "\": " + from, "\"" + key + "\": " + to), CFG, key);
    }

    /** The tiny checkpoint with {@code file} (of its tokenizer) replaced by {@code text}. */
    static Case.Setup tokenizerFile(String file, String text) {
        return d -> {
            Path m = model(d);
            write(m.resolve(file), text);
            return WeightsCorpusTest.generate(m);
        };
    }

    /** The tiny checkpoint with {@code from} replaced by {@code to} in its tokenizer.json. */
    static Case.Setup tokenizerJson(String from, String to) {
        return d -> {
            Path m = model(d);
            String text = Files.readString(m.resolve("tokenizer.json"));
            if (!text.contains(from)) throw new AssertionError("tokenizer.json lacks " + from);
            write(m.resolve("tokenizer.json"), text.replace(from, to));
            return WeightsCorpusTest.generate(m);
        };
    }

    /** A dummy-weight preset: the demo preset with {@code from} replaced by {@code to}. */
    static Case.Setup preset(String from, String to) {
        return d -> {
            Path src = Path.of(Corpus.preset("mixtral-demo.json"));
            String text = Files.readString(src);
            if (!text.contains(from)) throw new AssertionError(src + " lacks " + from);
            Path p = write(d.resolve("preset.json"), text.replace(from, to));
            // the preset names its tokenizer relative to the configs folder
            Files.createSymbolicLink(d.resolve("tokenizer"), src.getParent().resolve("tokenizer").toAbsolutePath());
            return Corpus.args("generate", "--config", p.toString(), "--load-format", "dummy", "--input-ids", "1,2",
                    "--max-output-length", "2");
        };
    }

    static Stream<Case> cases() {
        return Stream.of(
                Case.user("config.json missing", d -> {
                    Path m = model(d);
                    Files.delete(m.resolve(CFG));
                    return WeightsCorpusTest.generate(m);
                }, CFG),
                Case.user("config.json not JSON", config("{", "{{"), CFG),
                Case.user("config.json an array", tokenizerFile(CFG, "[1,2]"), CFG),
                Case.user("config.json empty", tokenizerFile(CFG, ""), CFG),
                Case.user("hidden_size missing", config("\"hidden_size\": 64,", ""), CFG, "hidden_size"),
                key("hidden_size", "64", "\"64x\""),
                key("hidden_size", "64", "-64"),
                key("hidden_size", "64", "60"),
                key("num_attention_heads", "4", "0"),
                key("num_key_value_heads", "2", "3"),
                key("num_experts_per_tok", "2", "5"),
                key("num_local_experts", "4", "0"),
                key("vocab_size", "32000", "-1"),
                key("vocab_size", "32000", "2147483648"),
                key("model_type", "\"mixtral\"", "\"llama\""),
                key("torch_dtype", "\"float32\"", "\"float64\""),
                key("hidden_act", "\"silu\"", "\"gelu\""),
                key("rope_theta", "1000000.0", "-1.0"),
                key("rms_norm_eps", "1e-05", "-1"),
                key("max_position_embeddings", "32768", "0"),
                key("sliding_window", "4096", "-5"),
                key("num_hidden_layers", "2", "0"),
                Case.user("tokenizer.json missing", d -> {
                    Path m = model(d);
                    Files.delete(m.resolve("tokenizer.json"));
                    return WeightsCorpusTest.generate(m);
                }, "tokenizer"),
                Case.user("tokenizer.json not JSON", tokenizerFile("tokenizer.json", "{\"model\":"), "tokenizer.json"),
                Case.user("tokenizer.json of another model type",
                        tokenizerFile("tokenizer.json", "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}"), "tokenizer.json"),
                Case.user("tokenizer.json without a model", tokenizerFile("tokenizer.json", "{}"), "tokenizer.json"),
                // a fuzz finding: the largest id + 1 overflowed int and the piece table was indexed past its end
                Case.user("tokenizer.json id 2^31-1", tokenizerFile("tokenizer.json",
                        "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":2147483647},\"merges\":[]}}"),
                        "tokenizer.json", "2147483647"),
                Case.user("tokenizer.json id as text", tokenizerFile("tokenizer.json",
                        "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":\"0\"},\"merges\":[]}}"),
                        "tokenizer.json", "not an integer"),
                Case.user("tokenizer smaller than the model's vocab", d -> {
                    Path m = model(d);
                    Files.delete(m.resolve("tokenizer.json"));
                    Files.createSymbolicLink(m.resolve("tokenizer.model"),
                            Fixtures.dir("tokenizer").resolve("spm-bpe-1k/tokenizer.model").toAbsolutePath());
                    return WeightsCorpusTest.generate(m);
                }, "tokenizer.model", "vocab_size"),
                // ids may have gaps (HF keeps its vocab in a map; an id without a piece decodes to nothing),
                // within bounds: no more gaps than pieces, integers only, one piece per id, every model id covered
                Case.user("tokenizer.json with a stray id far past its pieces",
                        tokenizerJson("\"\u2581world\": 1526", "\"\u2581world\": 2000000000"), "tokenizer.json", "ids reach 2000000000"),
                Case.user("tokenizer.json with an id that is no integer",
                        tokenizerJson("\"\u2581world\": 1526", "\"\u2581world\": 1526.5"), "tokenizer.json", "model.vocab", "1526.5"),
                Case.user("tokenizer.json with a negative id",
                        tokenizerJson("\"\u2581world\": 1526", "\"\u2581world\": -1526"), "tokenizer.json", "-1526"),
                Case.user("tokenizer.json with an id beyond 32 bits",
                        tokenizerJson("\"\u2581world\": 1526", "\"\u2581world\": 4294968822"), "tokenizer.json", "4294968822"),
                Case.user("tokenizer.json giving one id two pieces",
                        tokenizerJson("\"\u2581world\": 1526", "\"\u2581world\": 22557"), "tokenizer.json", "22557 twice"),
                Case.user("tokenizer.json whose model.vocab is an array",
                        tokenizerFile("tokenizer.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":[\"a\",\"b\"]}}"),
                        "tokenizer.json", "model.vocab"),
                Case.user("tokenizer.json a piece short of the model's vocab_size",
                        tokenizerJson(",\n      \"\u68a6\": 31999", ""), "tokenizer.json", "31999 ids", "vocab_size 32000"),
                // found by fuzzing tokenizer.json: a prompt character such a tokenizer cannot spell is refused
                // naming the file (HF would drop it, changing the prompt without a word)
                Case.user("tokenizer.json without unk or byte fallback, a prompt character outside it", d -> {
                    Path m = model(d);
                    String text = Files.readString(m.resolve("tokenizer.json"));
                    write(m.resolve("tokenizer.json"), text.replace("\"unk_token\": \"<unk>\"", "\"unk_token\": null")
                            .replace("\"byte_fallback\": true", "\"byte_fallback\": false"));
                    return Corpus.args("generate", "--model", m.toString(), "--input-text", "\ud835\udd18 x", "--max-output-length", "2");
                }, "tokenizer.json", "U+1D518"),
                Case.user("tokenizer.model garbage", d -> {
                    Path m = model(d);
                    Files.delete(m.resolve("tokenizer.json"));
                    Files.write(m.resolve("tokenizer.model"), new byte[] {(byte) 0xff, (byte) 0xff, 1, 2, 3});
                    return WeightsCorpusTest.generate(m);
                }, "tokenizer.model"),
                Case.user("tokenizer.model truncated", d -> {
                    Path m = model(d);
                    Files.delete(m.resolve("tokenizer.json"));
                    byte[] all = Files.readAllBytes(Fixtures.dir("tokenizer").resolve("spm-bpe-1k/tokenizer.model"));
                    Files.write(m.resolve("tokenizer.model"), java.util.Arrays.copyOf(all, all.length / 2));
                    return WeightsCorpusTest.generate(m);
                }, "tokenizer.model"),
                Case.user("tokenizer_config.json not JSON", d -> {
                    Path m = model(d);
                    write(m.resolve("tokenizer_config.json"), "{\"chat_template\": ");
                    return Corpus.args("generate", "--model", m.toString(), "--chat", "--input-text", "hi",
                            "--max-output-length", "2");
                }, "tokenizer_config.json"),
                Case.user("preset file missing", d -> Corpus.args("generate", "--config", d.resolve("none.json").toString(),
                        "--load-format", "dummy", "--input-ids", "1"), "none.json"),
                Case.user("preset with a bad hidden_size", preset("\"hidden_size\": ", "\"hidden_size\": -"), "hidden_size"),
                Case.user("preset of vocab 2^31-1 beyond its tokenizer", preset("\"vocab_size\": 32000",
                        "\"vocab_size\": 2147483647"), "tokenizer.json", "vocab_size"),
                Case.user("preset of hidden_size 2^20 exceeds memory", preset("\"hidden_size\": 256", "\"hidden_size\": 1048576"),
                        "memory", "needs", "available"),
                Case.user("mixtral-8x7b preset exceeds memory", d -> Corpus.args("generate", "--config",
                        Corpus.preset("mixtral-8x7b.json"), "--load-format", "dummy", "--input-ids", "1"), "memory"));
    }

    /**
     * Not a refusal: ids with gaps load as HF loads them, and the run is the dense tokenizer's
     * ("梦" moves from 31999 to 32005, so 31999 and 32000..32004 have no piece).
     */
    @org.junit.jupiter.api.Test
    void tokenizerJsonWithGapsGeneratesAsTheDenseOne() throws Exception {
        Path dir = Files.createTempDirectory("corpus");
        try {
            String[] dense = generateText(model(dir));
            String[] sparse = tokenizerJson("\"\u68a6\": 31999", "\"\u68a6\": 32005").args(dir.resolve("sparse"));
            Corpus.Outcome a = Corpus.run(dense);
            Corpus.Outcome b = Corpus.run(generateText(Path.of(sparse[2])));
            org.junit.jupiter.api.Assertions.assertEquals(0, a.code(), a.err());
            org.junit.jupiter.api.Assertions.assertEquals(0, b.code(), b.err());
            org.junit.jupiter.api.Assertions.assertEquals(a.out(), b.out());
        } finally {
            Corpus.delete(dir);
        }
    }

    private static String[] generateText(Path model) {
        return Corpus.args("generate", "--model", model.toString(), "--input-text", "Hello world", "--max-output-length", "8");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Case c) throws Exception {
        Corpus.check(c);
    }
}
