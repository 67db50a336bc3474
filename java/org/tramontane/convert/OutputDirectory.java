package org.tramontane.convert;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.tramontane.tokenizer.Tokenizer;

/**
 * A converter's output directory: refused when it exists and is not empty, written in a hidden
 * temporary sibling and renamed into place at the end ({@link StagedOutputs}), so a failure or a
 * signal never leaves a half-written directory that looks complete. Errors name the flag that
 * chose the directory.
 */
public final class OutputDirectory {
    private OutputDirectory() {}

    public static final String GENERATION_CONFIG = "generation_config.json";
    /** Copied unchanged from a source checkpoint when present: the tokenizer's files and generation_config.json. */
    public static final List<String> COMPANION_FILES = Stream.concat(Tokenizer.FILES.stream(),
            Stream.of(GENERATION_CONFIG)).toList();

    /** Fills a directory; any exception aborts the write. */
    @FunctionalInterface
    public interface DirWriter {
        void writeInto(Path dir) throws IOException;
    }

    /** Refuses an output that exists and is not an empty directory. */
    public static void check(Path out, String flag) {
        if (!Files.exists(out)) return;
        if (!Files.isDirectory(out)) throw new ConvertException(flag + " " + out + ": exists and is not a directory");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(out)) {
            if (ds.iterator().hasNext()) throw new ConvertException(flag + " " + out + ": exists and is not empty");
        } catch (IOException e) {
            throw new ConvertException(flag + " " + out + ": cannot list: " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code writer} on a fresh temporary sibling of {@code out} ({@link StagedOutputs}), then
     * renames it to {@code out}; on any failure, or a signal, the temporary is removed.
     */
    public static void writeAtomically(Path out, String flag, DirWriter writer) {
        try (StagedOutputs staged = StagedOutputs.open()) {
            Path tmp = staged.directory(out);
            writer.writeInto(tmp);
            check(out, flag); // still free? (nothing may have appeared there meanwhile)
            staged.commit();
        } catch (IOException e) {
            throw new ConvertException(flag + " " + out + ": cannot write: " + e.getMessage(), e);
        }
    }
}
