package org.tramontane.serve.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;

/**
 * One message of a chat request. {@code content} is a string or a list of text parts
 * ({@code [{"type":"text","text":"..."}]}, joined); any other part type is refused, naming it.
 */
public record ChatMessageBody(String role, @JsonDeserialize(using = ChatMessageBody.ContentReader.class) String content,
        String name) {

    static final class ContentReader extends JsonDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING) return p.getText();
            if (p.currentToken() != JsonToken.START_ARRAY) throw bad(p, "must be a string or a list of text parts");
            StringBuilder text = new StringBuilder();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t != JsonToken.START_OBJECT) throw bad(p, "must be a string or a list of text parts");
                String type = null, partText = null;
                for (t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                    String field = p.currentName();
                    p.nextToken();
                    if (field.equals("type") && p.currentToken() == JsonToken.VALUE_STRING) {
                        type = p.getText();
                    } else if (field.equals("text") && p.currentToken() == JsonToken.VALUE_STRING) {
                        partText = p.getText();
                    } else {
                        throw bad(p, "part field '" + field + "' is not supported (text parts only)");
                    }
                }
                if (!"text".equals(type) || partText == null) {
                    throw bad(p, "part type '" + type + "' is not supported (text parts only)");
                }
                text.append(text.length() == 0 ? "" : "\n").append(partText);
            }
            return text.toString();
        }

        private static IOException bad(JsonParser p, String why) {
            return JsonMappingException.from(p, why);
        }
    }
}
