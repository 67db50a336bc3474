package org.tramontane.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tramontane.engine.GenerationResult;
import org.tramontane.tokenizer.Tokenizer;

/** What generate prints: {@code Output[i]: TEXT} lines, or the JSON the README documents. */
final class GenerationOutput {
    private GenerationOutput() {}

    static String format(List<GenerationResult> results, Tokenizer tokenizer, OutputFormat format)
            throws JsonProcessingException {
        if (format == OutputFormat.JSON) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (GenerationResult r : results) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("input_ids", r.inputIds());
                row.put("output_ids", r.outputIds());
                row.put("text", tokenizer.decode(r.outputIds(), true));
                rows.add(row);
            }
            return new ObjectMapper().writeValueAsString(Map.of("outputs", rows));
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            lines.add("Output[" + i + "]: " + tokenizer.decode(results.get(i).outputIds(), true));
        }
        return String.join(System.lineSeparator(), lines);
    }
}
