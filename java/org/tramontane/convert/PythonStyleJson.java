package org.tramontane.convert;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes JSON laid out as Python's {@code json.dump(obj, f, indent=2)} plus a final newline, the
 * way HF and msModelSlim write config.json and the quant description: two-space indent, one
 * array element per line, {@code "key": value}. Key order is kept (JsonNode trees and
 * LinkedHashMaps). Only for small files: the text is built in memory.
 */
final class PythonStyleJson {
    private PythonStyleJson() {}

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    static void write(Path file, Object value) throws IOException {
        DefaultIndenter indent = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(indent)
                .withArrayIndenter(indent);
        String text = JSON.writer(printer).writeValueAsString(value) + "\n";
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
