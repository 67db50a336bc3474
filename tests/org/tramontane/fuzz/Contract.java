package org.tramontane.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.tramontane.config.UserException;

/**
 * What every reader of user files promises on any input: it parses, or it refuses with the project's
 * {@link UserException} (which the CLI prints as one line, exit 1) naming the file. Anything else that
 * escapes (a NullPointerException, IndexOutOfBounds, ArithmeticException, OutOfMemoryError, an
 * assertion below) is a finding, and so is a read that does not end: Jazzer stops and saves the input.
 */
final class Contract {
    /** Far beyond any seed's parse (milliseconds): past it, a read is taken to hang. */
    static final Duration MAX_READ = Duration.ofSeconds(10);
    private static ExecutorService worker;

    private Contract() {}

    /** A read that may throw only unchecked exceptions, as the readers do. */
    @FunctionalInterface
    interface Read {
        void run();
    }

    /**
     * Runs {@code read} on a worker, so a read that never ends is a finding too; a refusal must carry a
     * message that contains {@code names} (the file or directory).
     */
    static void parsesOrRefuses(Path names, Read read) {
        Future<?> done = worker().submit(read::run);
        try {
            done.get(MAX_READ.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the stuck thread is abandoned with its executor; the next input gets a fresh one
            worker.shutdownNow();
            worker = null;
            throw new AssertionError("the read did not end within " + MAX_READ.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (!(cause instanceof UserException refusal)) throw rethrow(cause);
            String message = refusal.getMessage();
            if (message == null || message.isBlank()) throw new AssertionError("a refusal without a message", refusal);
            if (!message.contains(names.toString())) {
                throw new AssertionError("the refusal does not name " + names + ": " + message, refusal);
            }
        }
    }

    /** The reader's own exception or error, unwrapped, so Jazzer reports (and deduplicates) it as thrown. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error err) throw err;
        return new IllegalStateException(t);
    }

    private static synchronized ExecutorService worker() {
        if (worker == null) {
            worker = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "fuzz-read");
                t.setDaemon(true);
                return t;
            });
        }
        return worker;
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
