package org.tramontane.serve.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** {@code stop}: one string or a list of them. */
@JsonDeserialize(using = StopInput.Reader.class)
public record StopInput(List<String> strings) {

    static final class Reader extends JsonDeserializer<StopInput> {
        @Override
        public StopInput deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            List<String> out = new ArrayList<>();
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                out.add(p.getText());
                return new StopInput(out);
            }
            if (p.currentToken() != JsonToken.START_ARRAY) throw bad(p);
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t != JsonToken.VALUE_STRING) throw bad(p);
                out.add(p.getText());
            }
            return new StopInput(out);
        }

        private static IOException bad(JsonParser p) {
            return JsonMappingException.from(p, "must be a string or a list of strings");
        }
    }
}
