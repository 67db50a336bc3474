package org.tramontane.modeltest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tramontane.convert.StagedOutputs;

/** CSV as pandas' to_csv writes it (quotes only where needed) and Python-style value text. */
final class Csv {
    private Csv() {}

    static String row(List<String> cells) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append(quote(cells.get(i)));
        }
        return sb.append('\n').toString();
    }

    static String quote(String cell) {
        if (cell.indexOf(',') < 0 && cell.indexOf('"') < 0 && cell.indexOf('\n') < 0 && cell.indexOf('\r') < 0) return cell;
        return '"' + cell.replace("\"", "\"\"") + '"';
    }

    /** A Python list repr of ints, as MindIE's debug CSV holds token ids: {@code [1, 22557]}. */
    static String list(int[] ids) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(ids[i]);
        }
        return sb.append(']').toString();
    }

    static String bool(boolean b) {
        return b ? "True" : "False";
    }

    /**
     * Writes {@code content} as {@code file}'s temporary in {@code staged}: the file appears with the
     * rest of the set at {@link #commit}, whole, or not at all.
     */
    static void stage(StagedOutputs staged, Path file, String content) {
        try {
            Files.writeString(staged.file(file), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw cannotWrite(file, e);
        }
    }

    /** Renames the set's files into place; {@code first} names the set in an error. */
    static void commit(StagedOutputs staged, Path first) {
        try {
            staged.commit();
        } catch (IOException e) {
            throw cannotWrite(first, e);
        }
    }

    static ModelTestException cannotWrite(Path file, IOException e) {
        return new ModelTestException(file + ": cannot write (" + e.getMessage() + ") (--output-dir)", e);
    }
}
