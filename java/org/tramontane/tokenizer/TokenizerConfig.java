package org.tramontane.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/**
 * The parts of HF {@code tokenizer_config.json} (or {@code special_tokens_map.json}, which has
 * the same token keys) that tokenization and chat rendering need.
 *
 * @param bosToken     {@code bos_token}, null when absent or null in the file
 * @param eosToken     {@code eos_token}, null when absent or null in the file
 * @param chatTemplate {@code chat_template}, null when absent; when the file holds a list of
 *                     named templates, the one named "default"
 */
record TokenizerConfig(Path file, String bosToken, String eosToken, String chatTemplate) {

    static TokenizerConfig read(Path file) {
        JsonNode root = JsonFiles.read(file);
        if (!root.isObject()) {
            throw new TokenizerException("cannot parse " + file + ": expected a JSON object");
        }
        return new TokenizerConfig(file, JsonFiles.tokenContent(root, "bos_token", file),
                JsonFiles.tokenContent(root, "eos_token", file), chatTemplate(root, file));
    }

    private static String chatTemplate(JsonNode root, Path file) {
        JsonNode template = root.get("chat_template");
        if (template == null || template.isNull()) {
            return null;
        }
        if (template.isTextual()) {
            return template.asText();
        }
        if (template.isArray()) {
            for (JsonNode named : template) {
                if (named.path("name").asText().equals("default") && named.path("template").isTextual()) {
                    return named.get("template").asText();
                }
            }
        }
        throw new TokenizerException(file + ": chat_template is neither a string nor a list with a 'default' template");
    }
}
