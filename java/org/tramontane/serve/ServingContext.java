package org.tramontane.serve;

import org.tramontane.engine.EngineLoop;
import org.tramontane.engine.LlmEngine;
import org.tramontane.tokenizer.Tokenizer;

/** What the routes serve once the model is loaded: its engine (prompt encoding), its loop, its API name. */
public record ServingContext(LlmEngine engine, EngineLoop loop, String modelName) {
    Tokenizer tokenizer() {
        return engine.tokenizer();
    }
}
