package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tramontane.testing.Fixtures;

/** Every verb through {@link Main#run}: output and exit code, as scripts see them. */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(int code, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    static String tiny() {
        return Fixtures.dir("tiny-mixtral").toString();
    }

    static JsonNode golden(String name) {
        for (JsonNode p : Fixtures.json(Fixtures.dir("tiny-mixtral").resolve("golden.json")).get("prompts")) {
            if (p.get("name").asText().equals(name)) return p;
        }
        throw new AssertionError("no golden prompt " + name);
    }

    private static void assertOneLineError(Result r, int code, String... mentions) {
        assertEquals(code, r.code(), "exit code; stderr: " + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n\tat "), "no stack trace: " + err);
        for (String m : mentions) assertTrue(err.contains(m), "stderr should mention " + m + ": " + err);
    }

    @ParameterizedTest
    @ValueSource(strings = {"generate", "chat", "tokenize", "info", "run-pa", "modeltest", "quantize", "convert"})
    void everyVerbHasHelp(String verb) {
        Result r = run(verb, "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Usage:"), r.out());
    }

    @Test
    void generateTextPromptMatchesGoldenGreedy() throws IOException {
        JsonNode g = golden("hello");
        Result r = run("generate", "--model", tiny(), "--dtype", "fp32", "--input-text", "Hello world",
                "--max-output-length", "16", "--output-format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode o = r.json().get("outputs").get(0);
        assertArrayEquals(Fixtures.ints(g.get("prompt_ids")), Fixtures.ints(o.get("input_ids")));
        assertArrayEquals(Fixtures.ints(g.get("greedy").get("ids")), Fixtures.ints(o.get("output_ids")));
        assertTrue(o.get("text").isTextual());
    }

    @Test
    void generateBatchOfIdsAndChatPromptsInOrder() throws IOException {
        JsonNode chat = golden("chat");
        JsonNode noBos = golden("hello_no_bos");
        Result r = run("generate", "--model", tiny(), "--dtype", "fp32", "--input-ids", "22557,1526",
                "--chat", "--input-text", "What is the capital of France?", "--max-output-length", "16",
                "--output-format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode outs = r.json().get("outputs");
        assertEquals(2, outs.size());
        assertArrayEquals(new int[] {22557, 1526}, Fixtures.ints(outs.get(0).get("input_ids")));
        assertArrayEquals(Fixtures.ints(noBos.get("greedy").get("ids")), Fixtures.ints(outs.get(0).get("output_ids")));
        // single user turn through the template: <s>[INST] ... [/INST]
        int[] ids = Fixtures.ints(outs.get(1).get("input_ids"));
        int[] goldenChat = Fixtures.ints(chat.get("prompt_ids"));
        assertArrayEquals(java.util.Arrays.copyOf(goldenChat, 4), java.util.Arrays.copyOf(ids, 4), "[INST] prefix");
    }

    @Test
    void eachRepeatedInputIdsIsOneSequence() throws IOException {
        Result r = run("generate", "--model", tiny(), "--dtype", "fp32", "--input-ids", "1,22557,1526", "--input-ids",
                "22557,1526", "--input-ids", "1", "--max-output-length", "2", "--output-format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode outs = r.json().get("outputs");
        assertEquals(3, outs.size());
        assertEquals("[22557,1526]", outs.get(1).get("input_ids").toString());
        assertEquals("[1]", outs.get(2).get("input_ids").toString());
        assertEquals(2, run("generate", "--model", tiny(), "--input-ids", "1,x").code());
    }

    @Test
    void logitsOutWritesNpyOfChosenRows(@TempDir Path tmp) throws IOException {
        JsonNode g = golden("sentence");
        Path npy = tmp.resolve("logits.npy");
        String ids = String.join(",", Stream.of(Fixtures.ints(g.get("prompt_ids"))).flatMapToInt(java.util.Arrays::stream)
                .mapToObj(Integer::toString).toList());
        Result r = run("generate", "--model", tiny(), "--dtype", "fp32", "--input-ids", ids, "--max-output-length", "3",
                "--logits-out", npy.toString(), "--output-format", "json");
        assertEquals(0, r.code(), r.err());
        byte[] bytes = Files.readAllBytes(npy);
        assertEquals((byte) 0x93, bytes[0]);
        assertEquals("NUMPY", new String(bytes, 1, 5, StandardCharsets.US_ASCII));
        int headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': (1, 3, 32000)"), header);
        assertEquals(0, (10 + headerLen) % 64, "header aligned to 64 bytes");
        ByteBuffer data = ByteBuffer.wrap(bytes, 10 + headerLen, bytes.length - 10 - headerLen).order(ByteOrder.LITTLE_ENDIAN);
        float[] row0 = new float[32000];
        data.asFloatBuffer().get(row0);
        float[] want = Fixtures.floats(g.get("last_logits"));
        for (int i = 0; i < want.length; i++) assertEquals(want[i], row0[i], 1e-3, "logit " + i);
        assertEquals(bytes.length - 10 - headerLen, 3 * 32000 * 4);
    }

    @Test
    void samplingIsReproducibleWithASeed() throws IOException {
        String[] base = {"generate", "--model", tiny(), "--dtype", "fp32", "--input-text", "Hello world",
                "--max-output-length", "8", "--temperature", "1.0", "--top-k", "50", "--top-p", "0.9", "--output-format", "json"};
        Result a = run(concat(base, "--seed", "7"));
        Result b = run(concat(base, "--seed", "7"));
        Result c = run(concat(base, "--seed", "8"));
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
        assertNotEquals(a.out(), c.out());
    }

    @Test
    void chatStreamsTwoTurnsFromStdin() {
        java.io.InputStream saved = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("Hello there\n/reset\nAnd again?\n/exit\n"
                    .getBytes(StandardCharsets.UTF_8)));
            Result r = run("chat", "--model", tiny(), "--dtype", "fp32", "--max-output-length", "3");
            assertEquals(0, r.code(), r.err());
            // banner, then one prompt marker per line read (two turns, /reset, /exit)
            assertEquals(4, r.out().split("> ", -1).length - 1, r.out());
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void tokenizeTextAndFile(@TempDir Path tmp) throws IOException {
        Result r = run("tokenize", "--model", tiny(), "Hello world");
        assertEquals(0, r.code(), r.err());
        assertEquals("[1,22557,1526]", r.out().strip());
        Path f = tmp.resolve("in.jsonl");
        Files.writeString(f, "{\"text\": \"Hello world\"}\n{\"text\": \"def f(x):\\n    return x * 2\\n\"}\n");
        r = run("tokenize", "--model", tiny(), "--input-file", f.toString());
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        assertEquals("{\"text\":\"Hello world\",\"ids\":[1,22557,1526]}", lines[0]);
        assertArrayEquals(Fixtures.ints(golden("code").get("prompt_ids")), Fixtures.ints(JSON.readTree(lines[1]).get("ids")));
    }

    @Test
    void infoShowsShapeAndMemory() {
        Result r = run("info", "--model", tiny());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("layers 2, hidden 64"), r.out());
        assertTrue(r.out().contains("{F32="), r.out());
        Result mini = run("info", "--model", Path.of(System.getProperty("tramontane.basedir", ".")).resolve("configs/mixtral-mini.json").toString());
        assertTrue(mini.out().contains("791,233,536"), mini.out());
    }

    @Test
    void infoSizesTheKvCachePerDtype() {
        Result r = run("info", "--model", tiny(), "--kv-length", "1000");
        assertEquals(0, r.code(), r.err());
        // 2 layers x 2 KV heads x head dim 16, keys and values: 128 elements a token, int8 16 bytes of scales more
        assertTrue(r.out().contains("KV cache     1000 tokens: fp32 0.49 MiB, bf16 0.24 MiB, fp16 0.24 MiB, int8 0.15 MiB"),
                r.out());
    }

    @Test
    void generateWithAnInt8KvCache() {
        Result r = run("generate", "--model", tiny(), "--dtype", "fp32", "--input-ids", "22557,1526", "--max-output-length",
                "3", "--kv-cache-dtype", "int8", "--kv-cache-memory", "1M");
        assertEquals(0, r.code(), r.err());
        assertOneLineError(run("generate", "--model", tiny(), "--input-ids", "1", "--kv-cache-dtype", "int4"), 2,
                "--kv-cache-dtype", "auto, bf16, fp16, int8");
        assertOneLineError(run("generate", "--model", tiny(), "--input-ids", "1", "--kv-cache-memory", "12x"), 2,
                "--kv-cache-memory must be a positive byte count");
        assertOneLineError(run("generate", "--model", tiny(), "--input-ids", "1", "--kv-cache-memory", "1G", "--num-blocks", "4"),
                2, "give one");
        assertOneLineError(run("generate", "--model", tiny(), "--input-ids", "1", "--kv-cache-memory", "1K"), 1,
                "--kv-cache-memory 1.0 KiB holds no KV block");
    }

    @Test
    void runPaDemoOnDummyWeights() {
        Path preset = Path.of(System.getProperty("tramontane.basedir", ".")).resolve("configs/mixtral-demo.json");
        Result r = run("run-pa", "--config", preset.toString(), "--load-format", "dummy", "--batch-size", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Answer[1]: "), r.out());
        assertTrue(r.out().contains("Generate[0] token num: "), r.out());
        assertTrue(r.out().contains("dummy weights"), r.out());
    }

    @Test
    void runPaKeepsMindIesTenTokensWhereGenerateMakesTwenty() {
        String line = "--max-output-length=N\\s+New tokens per sequence at most. Default: ";
        assertTrue(run("run-pa", "--help").out().matches("(?s).*" + line + "10\\..*"), run("run-pa", "--help").out());
        assertTrue(run("generate", "--help").out().matches("(?s).*" + line + "20\\..*"));
        assertTrue(run("chat", "--help").out().matches("(?s).*" + line + "20\\..*"));
    }

    @Test
    void quantizeReproducesMindIeLayoutAndRefusesANonEmptyTarget(@TempDir Path tmp) throws IOException {
        Path dst = tmp.resolve("w8a8");
        Result r = run("quantize", "--model-path", tiny(), "--save-directory", dst.toString(), "--type", "w8a8_dynamic");
        assertEquals(0, r.code(), r.err());
        String name = "quant_model_weight_w8a8_dynamic.safetensors";
        assertArrayEquals(Files.readAllBytes(Fixtures.dir("tiny-mixtral-w8a8").resolve(name)), Files.readAllBytes(dst.resolve(name)));
        assertOneLineError(run("quantize", "--model-path", tiny(), "--save-directory", dst.toString()), 1, dst.toString());
        assertEquals(2, run("quantize", "--model-path", tiny(), "--save-directory", tmp.resolve("x").toString(),
                "--type", "w4a16").code());
    }

    @Test
    void generateOnAQuantizedCheckpoint() throws IOException {
        Result r = run("generate", "--model", Fixtures.dir("tiny-mixtral-w8a8").toString(), "--dtype", "fp32",
                "--input-ids", "1,22557,1526", "--max-output-length", "4", "--output-format", "json");
        assertEquals(0, r.code(), r.err());
        assertEquals("[9592,8095,28970,18564]", r.json().get("outputs").get(0).get("output_ids").toString());
        Result info = run("info", "--model", Fixtures.dir("tiny-mixtral-w8a8").toString());
        assertTrue(info.out().contains("quantization w8a8_dynamic"), info.out());
    }

    @Test
    void convertMistralToHf(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("hf");
        Result r = run("convert", "--from", "mistral", "--to", "hf", "--input",
                Fixtures.dir("tiny-mixtral-consolidated").toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        Result gen = run("generate", "--model", out.toString(), "--input-ids", "1,22557,1526", "--max-output-length", "4",
                "--output-format", "json");
        assertEquals("[9592,8095,28970,18564]", gen.json().get("outputs").get(0).get("output_ids").toString());
        assertOneLineError(run("convert", "--from", "hf", "--to", "mistral", "--input", tiny(), "--output",
                tmp.resolve("t").toString()), 2, "not supported yet");
        Path ts = tmp.resolve("ts");
        assertEquals(0, run("convert", "--from", "hf", "--to", "tramontane", "--world-size", "2", "--input", tiny(),
                "--output", ts.toString()).code());
        Result two = run("generate", "--model", ts.toString(), "--world-size", "2", "--input-ids", "1,22557,1526",
                "--max-output-length", "4", "--output-format", "json");
        assertEquals("[9592,8095,28970,18564]", two.json().get("outputs").get(0).get("output_ids").toString());
    }

    // ---- bad input: one line naming the file or flag ----

    @Test
    void missingModelDirectory() {
        assertOneLineError(run("generate", "--model", "/nonexistent/model", "--input-text", "x"), 1, "/nonexistent/model");
    }

    @Test
    void nonMixtralConfig(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"llama\", \"vocab_size\": 10}");
        assertOneLineError(run("generate", "--model", tmp.toString(), "--input-text", "x"), 1, "config.json", "Mixtral");
    }

    @Test
    void truncatedSafetensors(@TempDir Path tmp) throws IOException {
        Path src = Fixtures.dir("tiny-mixtral");
        for (String f : new String[] {"config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
            Files.copy(src.resolve(f), tmp.resolve(f));
        }
        byte[] all = Files.readAllBytes(src.resolve("model.safetensors"));
        Files.write(tmp.resolve("model.safetensors"), java.util.Arrays.copyOf(all, all.length / 2));
        assertOneLineError(run("generate", "--model", tmp.toString(), "--input-text", "x"), 1, "model.safetensors");
    }

    @Test
    void idsOutsideVocabulary() {
        assertOneLineError(run("generate", "--model", tiny(), "--input-ids", "1,32000"), 1, "32000", "--input-ids");
    }

    @Test
    void promptBeyondContext() {
        assertOneLineError(run("generate", "--model", tiny(), "--input-ids", "1,2", "--max-output-length", "40000"), 1,
                "max_position_embeddings", "--max-output-length");
    }

    @Test
    void kvPoolTooSmall() {
        assertOneLineError(run("generate", "--model", tiny(), "--input-ids", "1,2,3", "--block-size", "2",
                "--num-blocks", "1"), 1, "--num-blocks");
    }

    @Test
    void worldSizeThatDoesNotDivideTheHeads() {
        assertOneLineError(run("generate", "--model", tiny(), "--input-ids", "1", "--world-size", "8"), 2,
                "--world-size 8", "num_attention_heads");
    }

    @Test
    void tensorParallelGenerateMatchesSingleRank() throws IOException {
        Result r = run("generate", "--model", tiny(), "--dtype", "fp32", "--input-ids", "1,22557,1526",
                "--max-output-length", "16", "--output-format", "json", "--world-size", "4");
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Fixtures.ints(golden("hello").get("greedy").get("ids")),
                Fixtures.ints(r.json().get("outputs").get(0).get("output_ids")));
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run("generate", "--model", tiny()).code());
        assertEquals(2, run("generate", "--model", tiny(), "--input-ids", "1", "--dtype", "fp64").code());
        assertEquals(2, run("generate", "--config", "x.json", "--input-ids", "1").code());
        assertEquals(2, run("frobnicate").code());
        assertEquals(2, run("generate", "--model", tiny(), "--config", "x.json", "--input-ids", "1").code());
        assertOneLineError(run("tokenize", "Hello"), 2, "--model");
        assertOneLineError(run("info"), 2, "--model");
        assertOneLineError(run("tokenize", "--model", tiny()), 2, "TEXT or --input-file");
        assertOneLineError(run("run-pa", "--model", tiny(), "--input-ids", "1,2"), 2, "--input-text");
        assertOneLineError(run("run-pa", "--model", tiny(), "--batch-size", "1,2"), 2, "--batch-size takes one value");
        assertOneLineError(run("chat", "--model", tiny(), "--max-context", "0"), 2, "--max-context");
        assertOneLineError(run("info", "--model", tiny(), "--kv-length", "-1"), 2, "--kv-length");
        assertOneLineError(run("convert", "--from", "mistral", "--to", "hf", "--world-size", "2", "--input", tiny(),
                "--output", "x"), 2, "--world-size applies to --to tramontane only");
        assertOneLineError(run("convert", "--from", "hf", "--to", "tramontane", "--world-size", "3", "--input", tiny(),
                "--output", "x"), 2, "--world-size 3");
        assertOneLineError(run("quantize", "--model-path", tiny(), "--save-directory", "x", "--type", "int4"), 2, "--type");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
