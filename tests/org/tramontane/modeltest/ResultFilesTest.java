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

    private TreeSet<String> tree() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(p -> names.add(root.relativize(p).toString()));
        }
        return names;
    }
}
