package org.tramontane.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Typed access to the keys of a parsed JSON object (config.json, params.json): every failure is a
 * one-line user error naming the file and the key. {@code error} makes the package's own
 * exception type from the message. A key whose value is null counts as absent.
 */
public final class JsonKeys {
    private final Path file;
    private final JsonNode root;
    private final Function<String, ? extends UserException> error;

    public JsonKeys(Path file, JsonNode root, Function<String, ? extends UserException> error) {
        this.file = file;
        this.root = root;
        this.error = error;
    }

    /**
     * Jackson's parse error as one line: {@code FILE: invalid JSON: WHAT at line L column C} (its own
     * message spans lines and quotes the source).
     */
    public static String invalidJson(Path file, JsonProcessingException e) {
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
        return file + ": invalid JSON: " + e.getOriginalMessage().replaceAll("\\s+", " ") + where;
    }

    public Path file() {
        return file;
    }

    /** The raw value (null when absent), for keys with rules of their own. */
    public JsonNode raw(String key) {
        return root.get(key);
    }

    public UserException fail(String key, String what) {
        return error.apply(file + ": " + key + " " + what);
    }

    private JsonNode present(String key) {
        JsonNode v = root.get(key);
        return v == null || v.isNull() ? null : v;
    }

    private JsonNode required(String key) {
        JsonNode v = present(key);
        if (v == null) throw error.apply(file + ": missing required key " + key);
        return v;
    }

    public int requiredInt(String key) {
        return toInt(key, required(key));
    }

    public Integer optionalInt(String key, Integer dflt) {
        JsonNode v = present(key);
        // not a ternary: int/Integer would unbox a null default
        if (v == null) return dflt;
        return toInt(key, v);
    }

    public double requiredDouble(String key) {
        return toDouble(key, required(key));
    }

    public double optionalDouble(String key, double dflt) {
        JsonNode v = present(key);
        return v == null ? dflt : toDouble(key, v);
    }

    public boolean optionalBoolean(String key, boolean dflt) {
        JsonNode v = present(key);
        if (v == null) return dflt;
        if (!v.isBoolean()) throw wrongType(key, "true or false", v);
        return v.booleanValue();
    }

    public String requiredString(String key) {
        JsonNode v = required(key);
        if (!v.isTextual()) throw wrongType(key, "a string", v);
        return v.textValue();
    }

    public String optionalString(String key, String dflt) {
        JsonNode v = present(key);
        if (v == null) return dflt;
        if (!v.isTextual()) throw wrongType(key, "a string", v);
        return v.textValue();
    }

    public int toInt(String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw wrongType(key, "an integer (32-bit)", v);
        return v.intValue();
    }

    private double toDouble(String key, JsonNode v) {
        if (!v.isNumber()) throw wrongType(key, "a number", v);
        return v.doubleValue();
    }

    private UserException wrongType(String key, String expected, JsonNode v) {
        return fail(key, "must be " + expected + ", got " + v);
    }
}
