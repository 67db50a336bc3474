package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.testing.Fixtures;

/**
 * The modeltest verb through {@link Main#run}: BoolQ against boolq_golden.json (MindIE's method run
 * by transformers), a small performance sweep, and every error's exit code and single line.
 */
class ModelTestCommandTest {
    record Result(int code, String out, String err) {
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

    static String dev() {
        return Fixtures.dir("boolq").resolve("dev.jsonl").toString();
    }

    static Path preset(String name) {
        return Path.of(System.getProperty("tramontane.basedir", ".")).resolve("configs").resolve(name);
    }

    private static void assertOneLineError(Result r, int code, String... mentions) {
        assertEquals(code, r.code(), "exit code; stderr: " + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        for (String m : mentions) assertTrue(err.contains(m), "stderr should mention " + m + ": " + err);
    }

    // ---- BoolQ: the acceptance test ----

    @ParameterizedTest
    @CsvSource({"base,1", "chat,1", "base,2", "chat,2"})
    void boolqMatchesGoldenAtFp32(String variant, int worldSize, @TempDir Path out) throws IOException {
        JsonNode all = Fixtures.json(Fixtures.dir("boolq").resolve("boolq_golden.json"));
        JsonNode golden = all.get(variant);
        Result r = run("modeltest", "pa_fp16", "full_BoolQ", "1,4", "mixtral", variant, tiny(), Integer.toString(worldSize),
                "--dtype", "fp32", "--dataset-path", dev(), "--output-dir", out.toString());
        assertEquals(0, r.code(), r.err());
        Path dir = out.resolve("outputs/results/CPU/precision_test/full/fp32/mixtral");
        Path debugDir = out.resolve("outputs/debug/CPU/precision_test/full/fp32/mixtral");
        for (int bs : new int[] {1, 4}) {
            List<List<String>> result = csv(dir.resolve("BoolQ_pa_batch" + bs + "_tp" + worldSize + "_full_result.csv"));
            assertEquals(List.of("file_name", "value", "correct", "sum"), result.get(0));
            assertEquals("total", result.get(1).get(0));
            assertEquals(golden.get("accuracy").asDouble(), Double.parseDouble(result.get(1).get(1)), 1e-12);
            assertEquals(golden.get("num_correct").asText(), result.get(1).get(2));
            assertEquals("24", result.get(1).get(3));
            assertEquals(List.of("dev.jsonl", result.get(1).get(1), result.get(1).get(2), "24"), result.get(2));
            assertEquals(3, result.size());
            assertTrue(r.out().contains("BoolQ batch " + bs + ": accuracy"), r.out());

            List<List<String>> debug = csv(debugDir.resolve("BoolQ_pa_batch" + bs + "_tp" + worldSize + "_debug_info.csv"));
            assertEquals(List.of("key", "queries", "input_token_ids", "output_token_ids", "test_result", "golden_result",
                    "pass", "logp_yes", "logp_no"), debug.get(0));
            JsonNode items = golden.get("items");
            assertEquals(items.size() + 1, debug.size());
            for (int i = 0; i < items.size(); i++) {
                JsonNode g = items.get(i);
                List<String> row = debug.get(i + 1);
                String at = variant + " bs " + bs + " ws " + worldSize + " item " + i;
                assertEquals("dev_" + i, row.get(0), at);
                // queries holds the dataset prompt; chat's template shows in the ids
                assertEquals(all.get("base").get("items").get(i).get("prompt").asText(), row.get(1), at);
                assertArrayEquals(Fixtures.ints(g.get("prompt_ids")), ids(row.get(2)), at);
                assertArrayEquals(new int[] {g.get("top1_id").asInt()}, ids(row.get(3)), at);
                assertEquals(py(g.get("predicted").asBoolean()), row.get(4), at);
                assertEquals(py(g.get("answer").asBoolean()), row.get(5), at);
                assertEquals(py(g.get("correct").asBoolean()), row.get(6), at);
                assertEquals(g.get("logp_yes").asDouble(), Double.parseDouble(row.get(7)), 1e-3, at);
                assertEquals(g.get("logp_no").asDouble(), Double.parseDouble(row.get(8)), 1e-3, at);
            }
        }
    }

    /** pa_bf16 without --dtype runs bf16; predictions must hold wherever the golden decision is not close. */
    @ParameterizedTest
    @CsvSource({"base", "chat"})
    void boolqBf16KeepsClearPredictions(String variant, @TempDir Path out) throws IOException {
        JsonNode golden = Fixtures.json(Fixtures.dir("boolq").resolve("boolq_golden.json")).get(variant);
        Result r = run("modeltest", "pa_bf16", "full_BoolQ", "4", "mixtral", variant, tiny(), "1", "--dataset-path", dev(),
                "--output-dir", out.toString());
        assertEquals(0, r.code(), r.err());
        List<List<String>> debug = csv(out.resolve("outputs/debug/CPU/precision_test/full/bf16/mixtral/BoolQ_pa_batch4_tp1_debug_info.csv"));
        int checked = 0;
        for (int i = 0; i < golden.get("items").size(); i++) {
            JsonNode g = golden.get("items").get(i);
            if (Math.abs(g.get("logp_yes_minus_no").asDouble()) <= 0.1) continue;
            assertEquals(py(g.get("predicted").asBoolean()), debug.get(i + 1).get(4), variant + " item " + i);
            checked++;
        }
        assertTrue(checked >= 20, "most items are clear decisions: " + checked);
    }

    // ---- performance ----

    @Test
    void performanceSweepWritesEveryFile(@TempDir Path out) throws IOException {
        Result r = run("modeltest", "pa_bf16", "performance", "[[16,4],[8,2]]", "1,2", "mixtral",
                preset("mixtral-demo.json").toString(), "1", "--load-format", "dummy", "--output-dir", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("batch 2 [8,2]: first token"), r.out());
        Path dir = out.resolve("outputs/results/CPU/performance_test/performance/bf16/mixtral");
        for (int bs : new int[] {1, 2}) {
            List<List<String>> res = csv(dir.resolve("performance_pa_batch" + bs + "_tp1_result.csv"));
            assertEquals(List.of("Model", "Batchsize", "In_seq", "Out_seq", "Total time(s)", "Prefill all time(ms)",
                    "Prefill average time(ms)", "Non-first token time(ms)", "Non-first token Throughput(Tokens/s)",
                    "Throughput(Tokens/s)", "Non-first token Throughput Average(Tokens/s)", "E2E Throughput Average(Tokens/s)"),
                    res.get(0));
            assertEquals(3, res.size());
            assertEquals(List.of("mixtral", Integer.toString(bs), "16", "4"), res.get(1).subList(0, 4));
            assertEquals(List.of("mixtral", Integer.toString(bs), "8", "2"), res.get(2).subList(0, 4));
            for (int c = 4; c < 10; c++) {
                assertTrue(Double.parseDouble(res.get(1).get(c)) > 0, "column " + res.get(0).get(c));
                assertTrue(Double.parseDouble(res.get(2).get(c)) > 0, "column " + res.get(0).get(c));
            }
            assertEquals("", res.get(1).get(10));
            assertTrue(Double.parseDouble(res.get(2).get(10)) > 0 && Double.parseDouble(res.get(2).get(11)) > 0);
            // Prefill average = prefill all / batch size
            assertEquals(Double.parseDouble(res.get(1).get(5)) / bs, Double.parseDouble(res.get(1).get(6)), 1e-6);

            List<String> formatted = Files.readAllLines(dir.resolve("performance_pa_batch" + bs + "_tp1_formatted_result.csv"));
            assertEquals(3, formatted.size());
            assertEquals(12, formatted.get(0).split("\\|").length);
            assertTrue(formatted.get(0).startsWith("Model          |Batchsize      |"), formatted.get(0));
            assertEquals(12, formatted.get(2).split("\\|").length);
        }
        List<List<String>> bench = csv(out.resolve("benchmark.csv"));
        assertEquals(List.of("batch_size", "input_seq_len", "output_seq_len", "e2e_time(ms)", "prefill_time(ms)",
                "decoder_token_time(ms)", "prefill_count", "prefill_token_times", "decode_token_times",
                "prefill_average_time(ms)", "decode_token_time_p50(ms)", "decode_token_time_p90(ms)", "peak_rss(MiB)"),
                bench.get(0));
        assertEquals(5, bench.size());
        List<String> row = bench.get(3); // batch 2, [16,4]
        assertEquals(List.of("2", "16", "4"), row.subList(0, 3));
        assertEquals(3, row.get(8).split(",").length, "out - 1 decode steps: " + row.get(8));
        assertTrue(Double.parseDouble(row.get(12)) > 10, "peak memory in MiB: " + row.get(12));
        BufferedImage png = ImageIO.read(dir.resolve("performance_pa_tp1_latency.png").toFile());
        assertEquals(1400, png.getWidth());
        assertEquals(480, png.getHeight());
    }

    // ---- errors: one line, exit 2 for usage, 1 for run-time failures ----

    /** The step budget reaches the engine: a 16-token case under a budget of 4 runs its prefill in chunks. */
    @Test
    void performanceTakesTheStepBudget(@TempDir Path out) {
        Result r = run("modeltest", "pa_fp16", "performance", "[[16,4]]", "2", "mixtral", tiny(), "1",
                "--max-num-batched-tokens", "4", "--output-dir", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("batch 2 [16,4]: first token"), r.out());
        assertOneLineError(run("modeltest", "pa_fp16", "performance", "[[16,4]]", "1", "mixtral", tiny(), "1",
                "--max-num-batched-tokens", "0"), 2, "--max-num-batched-tokens");
    }

    @Test
    void usageErrorsExitTwo() {
        String w = tiny();
        assertOneLineError(run("modeltest"), 2, "missing model type");
        assertOneLineError(run("modeltest", "pa_fp16", "full_CEval", "1", "mixtral", w, "1"), 2, "not supported yet",
                "full_BoolQ, performance");
        assertOneLineError(run("modeltest", "pa_fp16", "bogus", "1", "mixtral", w, "1"), 2, "unknown mode 'bogus'");
        assertOneLineError(run("modeltest", "pa_fp16", "performance", "[[16,4],[8]]", "1", "mixtral", w, "1"), 2,
                "malformed CASE_PAIRS");
        assertOneLineError(run("modeltest", "pa_fp16", "full_BoolQ", "1,x", "mixtral", w, "1"), 2, "malformed BATCH");
        assertOneLineError(run("modeltest", "pa_fp16", "performance", "[[16,4]]", "1", "mixtral", w, "1", "--dataset-path",
                dev()), 2, "--dataset-path is only for full_BoolQ");
        assertOneLineError(run("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral", w, "1", "--dtype", "fp64"), 2, "--dtype");
        assertOneLineError(run("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral", w, "1", "--load-format", "x"), 2,
                "--load-format");
        assertOneLineError(run("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral", w, "1", "--frobnicate"), 2, "--frobnicate");
        // CHIP_NUM is the world size: one the model cannot be split by is a usage error too
        assertOneLineError(run("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral", w, "3", "--dataset-path", dev()), 2,
                "world-size 3", "num_attention_heads");
    }

    @Test
    void missingDatasetSaysWhereAndWhence() {
        assertOneLineError(run("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral", tiny(), "1", "--dataset-path",
                "/nonexistent/boolq"), 1, "/nonexistent/boolq", "BoolQ", "dev.jsonl");
    }

    @Test
    void defaultDatasetFolderIsMindies() {
        assumeFalse(Files.exists(Path.of("tests/modeltest/data/boolq")), "a local BoolQ copy is present");
        assertOneLineError(run("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral", tiny(), "1"), 1,
                "tests/modeltest/data/boolq");
    }

    @Test
    void malformedDatasetLine(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, "{\"question\": \"q\", \"title\": \"t\", \"passage\": \"p\", \"answer\": true}\n{\"question\": \"q\"}\n");
        assertOneLineError(run("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral", tiny(), "1", "--dataset-path",
                f.toString()), 1, "bad.jsonl line 2", "answer");
    }

    @Test
    void runTimeFailuresExitOne(@TempDir Path tmp) throws IOException {
        assertOneLineError(run("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral", "/nonexistent/model", "1",
                "--dataset-path", dev()), 1, "/nonexistent/model");
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"llama\", \"vocab_size\": 10}");
        assertOneLineError(run("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral", tmp.toString(), "1",
                "--dataset-path", dev()), 1, "config.json", "Mixtral");
        assertOneLineError(run("modeltest", "pa_fp16", "performance", "[[40000,8]]", "1", "mixtral",
                preset("mixtral-demo.json").toString(), "1", "--load-format", "dummy"), 1, "[40000,8]", "max_position_embeddings");
    }

    @Test
    void helpShowsTheGrammar() {
        Result r = run("modeltest", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("pa_fp16|pa_bf16 full_BoolQ|performance [CASE_PAIRS] BATCH"), r.out());
    }

    // ---- helpers ----

    private static String py(boolean b) {
        return b ? "True" : "False";
    }

    private static int[] ids(String pyList) {
        String body = pyList.substring(1, pyList.length() - 1).strip();
        return body.isEmpty() ? new int[0] : Arrays.stream(body.split(",\\s*")).mapToInt(Integer::parseInt).toArray();
    }

    /** RFC 4180: quoted cells may hold commas, doubled quotes and newlines. */
    static List<List<String>> csv(Path file) throws IOException {
        String s = Files.readString(file);
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(cell.toString());
                cell.setLength(0);
            } else if (c == '\n') {
                row.add(cell.toString());
                cell.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                cell.append(c);
            }
        }
        return rows;
    }
}
