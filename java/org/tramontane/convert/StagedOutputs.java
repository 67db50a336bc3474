package org.tramontane.convert;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Outputs built under temporary names beside their targets, then renamed onto them together
 * ({@link #commit}), so that no run, however it ends, leaves a result that looks complete:
 * <ul>
 *   <li>a temporary is named {@code .<target>.tramontane-tmp-<pid>-<random>}: hidden, marked as
 *       unfinished, and naming the process that writes it; only the final rename gives it the
 *       target's name;</li>
 *   <li>a JVM shutdown hook (Ctrl-C, SIGTERM, an exit) removes the temporaries of every set not yet
 *       committed, and the directories the set created for them when they are left empty;</li>
 *   <li>kill -9 cannot be caught: the next run that stages the same target removes the temporaries
 *       beside it whose process is gone, and says so in one line on stderr;</li>
 *   <li>a commit renames in the order the outputs were staged; when one rename fails, the targets
 *       already renamed are removed again, so a set lands whole or not at all. The hook waits for a
 *       commit under way, so a signal never splits one.</li>
 * </ul>
 */
public final class StagedOutputs implements AutoCloseable {
    /** Between the target's name and the owner's pid in a temporary's name. */
    public static final String MARK = ".tramontane-tmp-";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long PID = ProcessHandle.current().pid();
    private static final Set<StagedOutputs> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(StagedOutputs::abortAll, "remove-temporaries"));
    }

    private record Staged(Path temporary, Path target, boolean directory) {}

    private final List<Staged> staged = new ArrayList<>();
    /** Directories made for the temporaries' parents, outermost first. */
    private final List<Path> createdDirs = new ArrayList<>();
    private boolean finished;

    private StagedOutputs() {
        OPEN.add(this);
    }

    public static StagedOutputs open() {
        return new StagedOutputs();
    }

    /** A new empty directory that {@link #commit} renames to {@code target} (which must be absent or an empty directory). */
    public synchronized Path directory(Path target) throws IOException {
        return stage(target, true);
    }

    /** A new empty file that {@link #commit} renames over {@code target}. */
    public synchronized Path file(Path target) throws IOException {
        return stage(target, false);
    }

    private Path stage(Path target, boolean directory) throws IOException {
        Path t = prepare(target);
        while (true) {
            Path tmp = temporaryName(t);
            try {
                // createDirectory, not createTempDirectory: the umask's permissions (not 0700), as it becomes the output
                if (directory) {
                    Files.createDirectory(tmp);
                } else {
                    Files.createFile(tmp);
                }
                staged.add(new Staged(tmp, t, directory));
                return tmp;
            } catch (FileAlreadyExistsException taken) {
                // drawn before: draw again
            }
        }
    }

    /** Renames every temporary onto its target, in staging order; all of them or, on failure, none. */
    public synchronized void commit() throws IOException {
        if (finished) throw new IOException("interrupted: the temporaries were removed");
        List<Staged> landed = new ArrayList<>();
        try {
            for (Staged s : staged) {
                move(s);
                landed.add(s);
            }
        } catch (IOException | RuntimeException e) {
            for (Staged s : landed) deleteTree(s.target());
            staged.removeAll(landed);
            abort();
            throw e;
        }
        finish();
    }

    /** Removes what was not committed. */
    @Override
    public synchronized void close() {
        if (!finished) abort();
    }

    private void abort() {
        for (Staged s : staged) deleteTree(s.temporary());
        for (int i = createdDirs.size() - 1; i >= 0; i--) deleteIfEmpty(createdDirs.get(i));
        finish();
    }

    private void finish() {
        finished = true;
        OPEN.remove(this);
    }

    private static void abortAll() {
        for (StagedOutputs s : List.copyOf(OPEN)) s.close();
    }

    /** The target's absolute path, its parent made (remembering what this set made), stale temporaries beside it removed. */
    private Path prepare(Path target) throws IOException {
        if (finished) throw new IOException("interrupted: the temporaries were removed");
        Path t = target.toAbsolutePath().normalize();
        Path parent = t.getParent();
        List<Path> missing = new ArrayList<>();
        for (Path p = parent; p != null && !Files.exists(p); p = p.getParent()) missing.add(0, p);
        for (Path p : missing) {
            Files.createDirectory(p);
            createdDirs.add(p);
        }
        removeStale(t, System.err);
        return t;
    }

    private static Path temporaryName(Path target) {
        String name = "." + target.getFileName() + MARK + PID + "-" + Long.toHexString(RANDOM.nextLong() >>> 1);
        return target.resolveSibling(name);
    }

    private static void move(Staged s) throws IOException {
        if (s.directory() && Files.isDirectory(s.target())) {
            try {
                Files.delete(s.target()); // an empty directory may be replaced; rename needs it gone
            } catch (DirectoryNotEmptyException e) {
                throw new IOException(s.target() + " is no longer empty", e);
            }
        }
        try {
            Files.move(s.temporary(), s.target(), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(s.temporary(), s.target(), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Removes the temporaries beside {@code target} that a run which no longer exists left (killed
     * with -9, or the machine stopped), printing one line to {@code notice} when there were any.
     *
     * @return the names removed
     */
    public static List<String> removeStale(Path target, PrintStream notice) {
        Path t = target.toAbsolutePath().normalize();
        String prefix = "." + t.getFileName() + MARK;
        List<String> removed = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(t.getParent(), p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path p : ds) {
                if (isStale(p, prefix) && deleteTree(p)) removed.add(p.getFileName().toString());
            }
        } catch (IOException | RuntimeException e) {
            return removed; // an unreadable folder: the write that follows reports it
        }
        if (!removed.isEmpty()) {
            notice.println("note: removed " + removed.size() + (removed.size() == 1 ? " temporary" : " temporaries")
                    + " an interrupted run left beside " + t + ": " + String.join(", ", removed));
            notice.flush();
        }
        return removed;
    }

    /**
     * Stale when the pid in its name is not a live process, or is one started after the temporary
     * was last written (the pid was reused). This process's own are never stale.
     */
    static boolean isStale(Path temporary, String prefix) throws IOException {
        String rest = temporary.getFileName().toString().substring(prefix.length());
        int dash = rest.indexOf('-');
        long pid;
        try {
            pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
        } catch (NumberFormatException e) {
            return false; // not one of ours after all
        }
        if (pid == PID) return false;
        var process = ProcessHandle.of(pid);
        if (process.isEmpty()) return true;
        var started = process.get().info().startInstant();
        return started.isPresent() && started.get().isAfter(Files.getLastModifiedTime(temporary).toInstant());
    }

    /**
     * Best effort, retried: a writer may still be adding files while a shutdown hook removes its
     * directory. True when nothing is left.
     */
    static boolean deleteTree(Path root) {
        for (int attempt = 0; attempt < 5; attempt++) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                return true;
            } catch (NoSuchFileException gone) {
                return true;
            } catch (IOException | RuntimeException retry) {
                // a file appeared or vanished during the walk: walk again
            }
        }
        return !Files.exists(root);
    }

    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException notEmpty) {
            // something else lives there now: keep it
        }
    }
}
