package org.tramontane.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the tokenizer's JSON files. JsonNode stays inside this package's parsers; everything
 * they hand on is typed. Errors become one-line {@link TokenizerException}s naming the file.
 */
final class JsonFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonFiles() {
    }

    static JsonNode read(Path file) {
        try {
            JsonNode root = MAPPER.readTree(file.toFile());
            if (root == null || root.isMissingNode()) {
                throw new TokenizerException("cannot parse " + file + ": the file is empty");
            }
            return root;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new TokenizerException("cannot parse " + file + ": " + oneLine(e.getOriginalMessage()) + where, e);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new TokenizerException("cannot read " + file + ": no such file", e);
            }
            throw new TokenizerException("cannot read " + file + ": " + oneLine(e.getMessage()), e);
        }
    }

    /** The member {@code key} of an object, failing with the file and key named when it is absent or null. */
    static JsonNode required(JsonNode node, String key, Path file, String context) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            throw new TokenizerException(file + ": missing key '" + context + key + "'");
        }
        return value;
    }

    /** A token given either as a string or as {"content": "..."} (both appear in HF configs); null when absent. */
    static String tokenContent(JsonNode node, String key, Path file) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isObject() && value.path("content").isTextual()) {
            return value.get("content").asText();
        }
        throw new TokenizerException(file + ": '" + key + "' is neither a string nor an object with 'content'");
    }

    static String oneLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
