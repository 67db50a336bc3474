package org.tramontane.serve.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;

/**
 * {@code logprobs}: a boolean in a chat (with {@code top_logprobs} for the alternatives), an integer
 * (how many alternatives) in a completion; each endpoint refuses the other's shape.
 */
@JsonDeserialize(using = LogprobsInput.Reader.class)
public record LogprobsInput(Boolean flag, Integer count) {

    static final class Reader extends JsonDeserializer<LogprobsInput> {
        @Override
        public LogprobsInput deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) return new LogprobsInput(t == JsonToken.VALUE_TRUE, null);
            if (t == JsonToken.VALUE_NUMBER_INT) return new LogprobsInput(null, p.getIntValue());
            throw JsonMappingException.from(p, "must be a boolean (chat) or an integer (completions)");
        }
    }
}
