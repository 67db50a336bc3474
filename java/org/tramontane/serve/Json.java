package org.tramontane.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Request bodies into records and records into JSON. Strict as OpenAI's schema is: an unknown
 * field, a string where a number belongs, 1.5 for an integer or a trailing token are 400s naming
 * the field; nothing is coerced or dropped.
 */
final class Json {
    static final ObjectMapper MAPPER = strict();

    private Json() {}

    private static ObjectMapper strict() {
        ObjectMapper m = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        for (LogicalType t : new LogicalType[] {LogicalType.Textual, LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            m.coercionConfigFor(t)
                    .setCoercion(CoercionInputShape.Integer, t == LogicalType.Integer || t == LogicalType.Float
                            ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, t == LogicalType.Float ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, t == LogicalType.Boolean ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, t == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        return m;
    }

    static <T> T read(String body, Class<T> type) {
        if (body.isBlank()) throw ApiException.badRequest(null, "the request body is empty (a JSON object is expected)");
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) throw ApiException.badRequest(null, "the request body must be a JSON object");
            return value;
        } catch (UnrecognizedPropertyException e) {
            String field = path(e);
            throw ApiException.badRequest(field, "unsupported field '" + field + "'");
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof StreamReadException bad) throw ApiException.badRequest(null, "invalid JSON: " + bad.getOriginalMessage());
            String field = path(e);
            if (field.isEmpty()) throw ApiException.badRequest(null, "the request body must be a JSON object");
            throw ApiException.badRequest(field, "'" + field + "' " + expected(e));
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "invalid JSON: " + e.getOriginalMessage());
        }
    }

    /** What the field should have been, in the schema's words. */
    private static String expected(JsonMappingException e) {
        Class<?> t = e instanceof MismatchedInputException m ? m.getTargetType() : null;
        if (t == Integer.class || t == Long.class || t == int.class || t == long.class) return "must be an integer";
        if (t == Double.class || t == double.class || t == Float.class) return "must be a number";
        if (t == Boolean.class || t == boolean.class) return "must be a boolean";
        if (t == String.class) return "must be a string";
        if (t != null && (List.class.isAssignableFrom(t) || t.isArray())) return "must be a list";
        if (t != null && Map.class.isAssignableFrom(t)) return "must be an object";
        return e.getOriginalMessage();
    }

    /** The field's path as a client wrote it: {@code messages[0].content}. */
    private static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (out.length() > 0) out.append('.');
                out.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
