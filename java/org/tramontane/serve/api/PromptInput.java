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

/**
 * {@code prompt} of a completion, in the API's four shapes: a string, a list of strings, a list of
 * token ids, or a list of such lists. Each element is one prompt.
 */
@JsonDeserialize(using = PromptInput.Reader.class)
public record PromptInput(List<Prompt> prompts) {

    /** One prompt: text (encoded with BOS) or token ids (fed verbatim); exactly one is non-null. */
    public record Prompt(String text, int[] ids) {
    }

    static final class Reader extends JsonDeserializer<PromptInput> {
        @Override
        public PromptInput deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            List<Prompt> out = new ArrayList<>();
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                out.add(new Prompt(p.getText(), null));
                return new PromptInput(out);
            }
            if (p.currentToken() != JsonToken.START_ARRAY) throw bad(p);
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NUMBER_INT) {
                out.add(new Prompt(null, ids(p)));
                return new PromptInput(out);
            }
            for (; t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t == JsonToken.VALUE_STRING) {
                    out.add(new Prompt(p.getText(), null));
                } else if (t == JsonToken.START_ARRAY) {
                    p.nextToken();
                    out.add(new Prompt(null, ids(p)));
                } else {
                    throw bad(p);
                }
            }
            return new PromptInput(out);
        }

        /** Integers up to the closing bracket; the parser stands on the first element (or the end). */
        private static int[] ids(JsonParser p) throws IOException {
            List<Integer> ids = new ArrayList<>();
            for (JsonToken t = p.currentToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t != JsonToken.VALUE_NUMBER_INT) throw bad(p);
                ids.add(p.getIntValue());
            }
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }

        private static IOException bad(JsonParser p) {
            return JsonMappingException.from(p,
                    "must be a string, a list of strings, a list of token ids or a list of token-id lists");
        }
    }
}
