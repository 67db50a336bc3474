package org.tramontane.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.tramontane.config.UserException;

/**
 * What every reader of user files promises on any input: it parses, or it refuses with the project's
 * {@link UserException} (which the CLI prints as one line, exit 1) naming the file. Anything else that
 * escapes (a NullPointerException, IndexOutOfBounds, ArithmeticException, OutOfMemoryError, an
 * assertion below) is a finding: Jazzer stops and saves the input.
 */
final class Contract {
    private Contract() {}

    /** A read that may throw only unchecked exceptions, as the readers do. */
    @FunctionalInterface
    interface Read {
        void run();
    }

    /** Runs {@code read}; a refusal must carry a message that contains {@code names} (the file or directory). */
    static void parsesOrRefuses(Path names, Read read) {
        try {
            read.run();
        } catch (UserException e) {
            String message = e.getMessage();
            if (message == null || message.isBlank()) throw new AssertionError("a refusal without a message", e);
            if (!message.contains(names.toString())) {
                throw new AssertionError("the refusal does not name " + names + ": " + message, e);
            }
        }
    }

    /** A fresh directory for one target's files, removed with what is under it when the JVM ends. */
    static Path scratch(String target) {
        try {
            Path dir = Files.createTempDirectory("tramontane-fuzz-" + target);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] data) {
        try {
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes of a seed shipped beside the target's inputs ({@code <Class>Inputs/<method>/<name>}). */
    static byte[] seed(Class<?> target, String method, String name) {
        String resource = target.getSimpleName() + "Inputs/" + method + "/" + name;
        try (var in = target.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("seed " + resource + " is not on the test classpath");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary directory the system cleans anyway; the JVM is ending
        }
    }
}
