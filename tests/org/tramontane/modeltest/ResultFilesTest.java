package org.tramontane.modeltest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.config.Precision;
import org.tramontane.convert.StagedOutputs;

/** BoolQ's result and debug CSVs land together or not at all, and a failed write leaves no empty folders. */
class ResultFilesTest {
    @TempDir
    Path root;

    private OutputLayout layout() {
        return OutputLayout.of(root, BackendKind.CPU, Precision.of(DType.F32), null, 1);
    }

    @Test
    void bothFilesAppearAtTheCommit() throws IOException {
        OutputLayout l = layout();
        try (StagedOutputs s = StagedOutputs.open()) {
            Csv.stage(s, l.boolqDebug(1), "debug\n");
            Csv.stage(s, l.boolqResult(1), "result\n");
            assertTrue(!Files.exists(l.boolqDebug(1)) && !Files.exists(l.boolqResult(1)), "nothing before the commit");
            Csv.commit(s, l.boolqResult(1));
        }
        assertEquals("debug\n", Files.readString(l.boolqDebug(1)));
        assertEquals("result\n", Files.readString(l.boolqResult(1)));
    }

    @Test
    void aResultThatCannotBeWrittenTakesItsDebugFileAndFoldersWithIt() throws IOException {
        OutputLayout l = layout();
        // something in the result's way: a folder by its name, not empty
        Path blocker = Files.createDirectories(l.boolqResult(1).resolve("in-the-way"));
        TreeSet<String> before = tree();
        try (StagedOutputs s = StagedOutputs.open()) {
            Csv.stage(s, l.boolqDebug(1), "debug\n");
            Csv.stage(s, l.boolqResult(1), "result\n");
            ModelTestException e = assertThrows(ModelTestException.class, () -> Csv.commit(s, l.boolqResult(1)));
            assertTrue(e.getMessage().contains(l.boolqResult(1).toString()) && e.getMessage().contains("--output-dir"), e.getMessage());
        }
        assertEquals(before, tree(), "no debug file, no temporary, no folder made for them");
        assertTrue(Files.isDirectory(blocker));
    }

    @Test
    void boolqOnACrlfFileWritesItsTwoFilesAndNothingElse() throws IOException {
        String line = "{\"question\": \"is the sky blue\", \"title\": \"Sky\", \"answer\": true, \"passage\": \"The sky is blue.\"}";
        Path data = Files.writeString(root.resolve("dev.jsonl"), line + "\r\n" + line.replace("true", "false") + "\r\n");
        Path out = root.resolve("out");
        java.io.StringWriter err = new java.io.StringWriter();
        int code = org.tramontane.cli.Main.run(new String[] {"modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral",
                org.tramontane.testing.Fixtures.dir("tiny-mixtral").toString(), "1", "--dataset-path", data.toString(),
                "--output-dir", out.toString()}, new java.io.PrintWriter(new java.io.StringWriter(), true),
                new java.io.PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        List<String> files;
        try (Stream<Path> s = Files.walk(out)) {
            files = s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("BoolQ_pa_batch1_tp1_debug_info.csv", "BoolQ_pa_batch1_tp1_full_result.csv"), files);
        try (Stream<Path> s = Files.walk(out)) {
            assertTrue(s.filter(Files::isDirectory).allMatch(d -> {
                try (Stream<Path> in = Files.list(d)) {
                    return in.findAny().isPresent();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }), "no empty folder");
        }
    }

    private TreeSet<String> tree() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(p -> names.add(root.relativize(p).toString()));
        }
        return names;
    }
}
