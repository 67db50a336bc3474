package org.tramontane.modeltest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.tramontane.config.TextLines;

/** One BoolQ .jsonl file; MindIE scores each file on its own and then all together ("total"). */
public record BoolqDataset(String fileName, List<BoolqItem> items) {
    /** MindIE's default location, relative to the current directory (run.sh passes its own). */
    public static final Path DEFAULT_DIR = Path.of("tests", "modeltest", "data", "boolq");

    public BoolqDataset {
        items = List.copyOf(items);
    }

    /** A .jsonl file, or every *.jsonl in a folder (sorted by name so runs are repeatable). */
    public static List<BoolqDataset> load(Path path) {
        if (!Files.exists(path)) throw missing(path);
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                s.filter(p -> p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p)).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new ModelTestException(path + ": cannot list the BoolQ folder (" + e.getMessage() + ")", e);
            }
            if (files.isEmpty()) throw missing(path);
        } else {
            files.add(path);
        }
        List<BoolqDataset> out = new ArrayList<>();
        for (Path f : files) out.add(read(f));
        return out;
    }

    private static ModelTestException missing(Path path) {
        return new ModelTestException("BoolQ dataset not found: expected *.jsonl files in " + path
                + " (or give --dataset-path FILE.jsonl|DIR); BoolQ's dev.jsonl is published by Google"
                + " (storage.cloud.google.com/boolq), lines {question, title, answer, passage}");
    }

    static BoolqDataset read(Path file) {
        ObjectMapper json = new ObjectMapper();
        List<BoolqItem> items = new ArrayList<>();
        List<String> lines = TextLines.read(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = file + " line " + (i + 1);
            JsonNode n;
            try {
                n = json.readTree(lines.get(i));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new ModelTestException(where + ": not JSON (" + e.getOriginalMessage() + ")", e);
            }
            if (!n.isObject()) throw new ModelTestException(where + ": expected a JSON object, got " + n.getNodeType());
            JsonNode answer = n.get("answer");
            if (answer == null || !answer.isBoolean()) throw new ModelTestException(where + ": \"answer\" must be true or false");
            items.add(new BoolqItem(text(n, "title", where), text(n, "passage", where), text(n, "question", where),
                    answer.booleanValue()));
        }
        if (items.isEmpty()) throw new ModelTestException(file + ": no BoolQ items");
        return new BoolqDataset(file.getFileName().toString(), items);
    }

    private static String text(JsonNode n, String key, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) throw new ModelTestException(where + ": \"" + key + "\" must be a string");
        return v.asText();
    }
}
