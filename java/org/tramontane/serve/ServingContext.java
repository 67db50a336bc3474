package org.tramontane.serve;

import org.tramontane.engine.EngineLoop;
import org.tramontane.tokenizer.ChatTemplate;
import org.tramontane.tokenizer.Tokenizer;

/**
 * What the routes serve once the model is loaded.
 *
 * @param chatTemplate    null when the model has none (chat requests are refused, saying why)
 * @param chatTemplateError why there is none
 */
public record ServingContext(EngineLoop loop, Tokenizer tokenizer, ChatTemplate chatTemplate, String chatTemplateError,
        String modelName) {
}
