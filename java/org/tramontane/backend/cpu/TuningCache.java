package org.tramontane.backend.cpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The tuner's choices for one CPU model, in a small JSON file under the user's cache directory
 * ({@code $XDG_CACHE_HOME/tramontane}, else {@code ~/.cache/tramontane}): one entry per ISA level,
 * thread count and shape. A file that cannot be read or parsed, or that another format version
 * wrote, counts as empty (the shapes are timed again and the file rewritten); a write goes to a
 * temporary file first and is moved into place, so a reader never sees half a file.
 */
final class TuningCache {
    /** Bumped when the candidates or the kernels they describe change, so that older choices are timed again. */
    static final int VERSION = 1;

    /** One shape's choice and the timings behind it. */
    record Entry(String isa, int threads, String dtype, int n, int k, String prefetch, int prefetchBytes, int streams,
            int blockRows, String split, double nsPerCall, double builtInNsPerCall) {

        static Entry of(String isa, int threads, StreamShape shape, StreamTuner.Result r) {
            StreamChoice c = r.choice();
            return new Entry(isa, threads, shape.dtype().cliName, shape.n(), shape.k(), c.prefetch().cliName(),
                    c.prefetchBytes(), c.streams(), c.blockRows(), c.split().cliName(), r.nsPerCall(), r.builtInNsPerCall());
        }

        boolean matches(String isa, int threads, StreamShape shape) {
            return this.isa.equals(isa) && this.threads == threads && dtype.equals(shape.dtype().cliName) && n == shape.n()
                    && k == shape.k();
        }

        /** The choice, or empty when a field names nothing this build knows (a hand-edited file). */
        Optional<StreamChoice> choice() {
            Optional<StreamChoice.Prefetch> p = StreamChoice.named(StreamChoice.Prefetch.values(), prefetch);
            Optional<StreamChoice.Split> s = StreamChoice.named(StreamChoice.Split.values(), split);
            if (p.isEmpty() || s.isEmpty()) return Optional.empty();
            try {
                return Optional.of(new StreamChoice(p.get(), prefetchBytes, streams, blockRows, s.get()));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }

        /** "bf16 1536x1024", as StreamShape.describe. */
        String describeShape() {
            return dtype + " " + n + "x" + k;
        }
    }

    /** The file's content. */
    record Content(int version, String cpu, List<Entry> entries) {
        Content {
            entries = entries == null ? List.of() : List.copyOf(entries);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final String cpu;

    TuningCache(Path file, String cpu) {
        this.file = file;
        this.cpu = cpu;
    }

    Path file() {
        return file;
    }

    /** The file of CPU model {@code cpu} in {@code dir}: tuning-<the model, lower case, words joined by '-'>.json. */
    static Path fileFor(Path dir, String cpu) {
        String slug = cpu.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return dir.resolve("tuning-" + (slug.isEmpty() ? "cpu" : slug) + ".json");
    }

    /** The cache directory: $XDG_CACHE_HOME/tramontane when set, else ~/.cache/tramontane. */
    static Path defaultDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("tramontane");
    }

    /** The entries this file holds for this CPU and format version; empty when it is absent or unreadable. */
    List<Entry> read() {
        if (!Files.isRegularFile(file)) return List.of();
        try {
            Content c = JSON.readValue(file.toFile(), Content.class);
            return c.version() == VERSION && cpu.equals(c.cpu()) ? c.entries() : List.of();
        } catch (IOException | RuntimeException e) {  // JacksonException is an IOException
            return List.of();
        }
    }

    Optional<Entry> find(String isa, int threads, StreamShape shape) {
        return read().stream().filter(e -> e.matches(isa, threads, shape)).findFirst();
    }

    /**
     * Adds (or replaces) {@code e} in what the file holds now and writes it back atomically; false
     * when the directory or file cannot be written (the choice then lives in this process only).
     */
    boolean put(Entry e) {
        List<Entry> entries = new ArrayList<>();
        for (Entry old : read()) {
            if (!(old.isa().equals(e.isa()) && old.threads() == e.threads() && old.dtype().equals(e.dtype())
                    && old.n() == e.n() && old.k() == e.k())) entries.add(old);
        }
        entries.add(e);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), new Content(VERSION, cpu, entries));
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException ex) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        } catch (IOException ex) {
            return false;
        }
    }
}
