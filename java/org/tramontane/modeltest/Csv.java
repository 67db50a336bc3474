package org.tramontane.modeltest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

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
     * Writes the file whole or not at all: a temporary sibling renamed over the target, so an
     * interrupted run never leaves a truncated result that looks complete.
     */
    static void write(Path file, String content) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ModelTestException(file + ": cannot write (" + e.getMessage() + ") (--output-dir)", e);
        }
    }
}
