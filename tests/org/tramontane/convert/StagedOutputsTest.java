package org.tramontane.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagedOutputsTest {
    @TempDir
    Path dir;

    @Test
    void aCommitRenamesEveryTemporaryOntoItsTarget() throws IOException {
        Path a = dir.resolve("out/x/a.csv");
        Path b = dir.resolve("out/y/b.csv");
        try (StagedOutputs s = StagedOutputs.open()) {
            Files.writeString(s.file(a), "a");
            Files.writeString(s.file(b), "b");
            assertFalse(Files.exists(a), "nothing has the target's name before the commit");
            s.commit();
        }
        assertEquals("a", Files.readString(a));
        assertEquals("b", Files.readString(b));
        assertEquals(new TreeSet<>(List.of("out", "out/x", "out/x/a.csv", "out/y", "out/y/b.csv")), tree());
    }

    @Test
    void withoutACommitNothingIsLeftNotEvenTheDirectoriesItMade() throws IOException {
        try (StagedOutputs s = StagedOutputs.open()) {
            Files.writeString(s.file(dir.resolve("out/x/a.csv")), "a");
            Path d = s.directory(dir.resolve("out/model"));
            Files.writeString(d.resolve("config.json"), "{}");
        }
        assertEquals(new TreeSet<>(), tree());
    }

    @Test
    void aFailedRenameTakesBackTheOnesBeforeIt() throws IOException {
        Path a = dir.resolve("a.csv");
        Path blocked = Files.createDirectories(dir.resolve("b.csv/inside")).getParent(); // a non-empty directory in the way
        try (StagedOutputs s = StagedOutputs.open()) {
            Files.writeString(s.file(a), "a");
            Files.writeString(s.file(blocked), "b");
            assertThrows(IOException.class, s::commit);
        }
        assertEquals(new TreeSet<>(List.of("b.csv", "b.csv/inside")), tree(), "a.csv is gone again, no temporary left");
    }

    @Test
    void staleTemporariesAreRemovedAndNamedLiveOnesKept() throws IOException {
        Path target = dir.resolve("model");
        long dead = deadPid();
        Path stale = Files.createDirectory(dir.resolve(".model" + StagedOutputs.MARK + dead + "-1f"));
        Files.writeString(stale.resolve("model.safetensors"), "partial");
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        Path live = Files.createDirectory(dir.resolve(".model" + StagedOutputs.MARK + parent + "-2e"));
        Path reused = Files.createDirectory(dir.resolve(".model" + StagedOutputs.MARK + parent + "-3d"));
        // written before the process now holding that pid started: the pid was reused
        Files.setLastModifiedTime(reused, FileTime.fromMillis(0));
        Path other = Files.createDirectory(dir.resolve(".other" + StagedOutputs.MARK + dead + "-4c"));

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> removed = StagedOutputs.removeStale(target, new PrintStream(err, true, StandardCharsets.UTF_8));

        assertEquals(new TreeSet<>(List.of(stale.getFileName().toString(), reused.getFileName().toString())), new TreeSet<>(removed));
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(live), "a live run's temporary stays");
        assertTrue(Files.exists(other), "another target's temporary stays");
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("note: removed 2 temporaries") && lines.get(0).contains(stale.getFileName().toString()),
                lines.get(0));
    }

    /** A pid no process has: past every live one. */
    private static long deadPid() {
        long max = ProcessHandle.allProcesses().mapToLong(ProcessHandle::pid).max().orElse(1);
        long pid = max + 1000;
        while (ProcessHandle.of(pid).isPresent()) pid++;
        return pid;
    }

    private TreeSet<String> tree() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> !p.equals(dir)).forEach(p -> names.add(dir.relativize(p).toString()));
        }
        return names;
    }
}
