package org.tramontane.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.tramontane.cli.Main;
import org.tramontane.testing.Fixtures;

/** Runs a {@link Case} and checks the contract every refusal keeps. */
final class Corpus {
    private Corpus() {}

    /** Exit code and the two streams of one run. */
    record Outcome(int code, String out, String err) {
    }

    /** In-process, through {@link Main#run}. */
    static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    /** Runs {@code cmd} as a process with {@code env} added to its environment. */
    static Outcome exec(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "process ends");
        return new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** Makes the case in a fresh directory, runs it in-process and checks the refusal. */
    static void check(Case c) throws Exception {
        Path dir = Files.createTempDirectory("corpus");
        try {
            String[] args = c.setup().args(dir);
            Set<String> before = listing(dir);
            Outcome o = run(args);
            assertRefused(c, o);
            assertEquals(before, listing(dir), "nothing left behind");
        } finally {
            delete(dir);
        }
    }

    /** Removes {@code dir} and what is under it; links are removed, never followed. */
    static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** The exit code, one stderr line starting {@code error:} naming each mention, no stack trace. */
    static void assertRefused(Case c, Outcome o) {
        String err = o.err().strip();
        assertEquals(c.code(), o.code(), "exit code; stderr: " + err);
        assertEquals(1, err.lines().count(), "one stderr line: " + err);
        assertTrue(err.startsWith("error: "), "a user or usage error, not an internal one: " + err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        for (String m : c.mentions()) assertTrue(err.contains(m), "stderr names " + m + ": " + err);
    }

    /** Every path under {@code dir}, relative, with each file's size: what a run may not change. */
    static Set<String> listing(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                names.add(dir.relativize(p) + (Files.isRegularFile(p) ? " " + Files.size(p) : ""));
            }
        }
        return names;
    }

    /** A fixture checkpoint as {@code dir/name}: each file a symbolic link, so a case replaces only what it breaks. */
    static Path model(Path dir, String fixture, String name) throws IOException {
        Path src = Fixtures.dir(fixture);
        Path dst = Files.createDirectories(dir.resolve(name));
        try (Stream<Path> s = Files.list(src)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                if (!f.getFileName().toString().startsWith("golden")) {
                    Files.createSymbolicLink(dst.resolve(f.getFileName()), f.toAbsolutePath());
                }
            }
        }
        return dst;
    }

    static Path model(Path dir) throws IOException {
        return model(dir, "tiny-mixtral", "model");
    }

    /** Replaces a linked file with a copy, so the case may change it. */
    static Path own(Path file) throws IOException {
        Path real = file.toRealPath();
        Files.delete(file);
        Files.copy(real, file);
        file.toFile().setWritable(true);
        return file;
    }

    static Path write(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    /** The preset shipped in the repository's configs/ folder. */
    static String preset(String name) {
        return Path.of(System.getProperty("tramontane.basedir", ".")).resolve("configs").resolve(name).toString();
    }

    static String[] args(String... a) {
        return a;
    }
}
