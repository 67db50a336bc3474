package org.tramontane.backend.ascend.conformance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The facts about one CANN release's declarations that cann-facts.json records (its README explains
 * every key), as typed records: struct layouts per target ("x86_64/abi1", ...), field types and
 * defaults, enumerators, constants, C prototypes, ATB's C++ functions and virtual methods, and what
 * atb::SVector's public members do (the cases whose outcome needs no private member). Located by
 * the system property {@code tramontane.cann.facts}; a test that needs it is skipped when it is absent.
 */
record CannFacts(String version, Map<String, StructFacts> structs, Map<String, EnumFacts> enums,
        Set<String> enumsAbsent, Map<String, Long> constants, Optional<Map<String, CFunction>> cFunctions,
        List<Signature> atbFunctions, Map<String, List<VirtualMethod>> classes, Map<String, String> svectorBehaviour) {

    /** The property naming cann-facts.json (pom.xml sets it). */
    static final String PROPERTY = "tramontane.cann.facts";

    record FieldLayout(long offset, long size, long align) {}

    record Layout(long size, long align, Map<String, FieldLayout> fields) {}

    /**
     * One field: g++'s spelling of its type per C++ ABI ("abi0"/"abi1" when they differ), and the
     * value {@code new T()} gives it in the probe's notation ("true", "1e-05", "\"sum\"", "null",
     * "array-zero", "size=0"), empty when the facts record none or the field has no initialiser.
     */
    record FieldFacts(String name, Map<String, String> canonicalType, Optional<String> defaultValue) {
        String type(int abi) {
            return canonicalType.getOrDefault("abi" + abi, canonicalType.get(""));
        }
    }

    record StructFacts(String name, List<FieldFacts> fields, Map<String, Layout> layouts) {
        Optional<FieldFacts> field(String n) {
            return fields.stream().filter(f -> f.name().equals(n)).findFirst();
        }
    }

    record EnumFacts(String name, long size, boolean signed, Map<String, Long> enumerators) {}

    /** A C function; {@code signature} as the header declares it (typedef names kept). */
    record CFunction(String name, boolean present, String signature) {}

    /** A C++ declaration as cann-facts.json writes it, e.g. "Status atb::CreateContext(Context**)". */
    record Signature(String text) {}

    /** A virtual method of an ATB class; {@code order} 0 is the destructor. */
    record VirtualMethod(String name, int order, String signature) {}

    /** The facts file, or the test skipped with a message when the property or the file is absent. */
    static JsonNode load() {
        String p = System.getProperty(PROPERTY);
        assumeTrue(p != null && !p.isBlank(), PROPERTY + " is not set: no CANN facts to conform to, test skipped");
        Path path = Path.of(p);
        assumeTrue(Files.isRegularFile(path), "CANN facts not found at " + path + " (" + PROPERTY + "), test skipped");
        try {
            return new ObjectMapper().readTree(path.toFile());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    static CannFacts of(JsonNode root, String version) {
        JsonNode v = root.path("versions").path(version);
        if (v.isMissingNode()) throw new IllegalStateException("cann-facts.json has no version " + version);
        Map<String, StructFacts> structs = new LinkedHashMap<>();
        v.path("structs").fields().forEachRemaining(e -> structs.put(e.getKey(), struct(e.getKey(), e.getValue())));
        Map<String, EnumFacts> enums = new LinkedHashMap<>();
        v.path("enums").fields().forEachRemaining(e -> {
            Map<String, Long> values = new LinkedHashMap<>();
            e.getValue().path("enumerators").forEach(x -> values.put(x.path("name").asText(), x.path("value").asLong()));
            String underlying = e.getValue().path("underlying_type").asText();
            enums.put(e.getKey(), new EnumFacts(e.getKey(), e.getValue().path("sizeof").asLong(),
                    !underlying.startsWith("unsigned"), values));
        });
        Set<String> absent = new HashSet<>();
        v.path("enums_absent_in_this_version").forEach(x -> absent.add(x.asText()));
        Map<String, Long> constants = new LinkedHashMap<>();
        v.path("constants").fields().forEachRemaining(e -> {
            if (e.getValue().has("value") && e.getValue().get("value").isNumber()) {
                constants.put(e.getKey(), e.getValue().get("value").asLong());
            }
        });
        JsonNode functions = v.path("functions");
        Optional<Map<String, CFunction>> c = Optional.empty();
        if (functions.path("c").isObject()) {
            Map<String, CFunction> m = new LinkedHashMap<>();
            functions.path("c").fields().forEachRemaining(e -> m.put(e.getKey(), new CFunction(e.getKey(),
                    e.getValue().path("present").asBoolean(true), e.getValue().path("signature").asText())));
            c = Optional.of(m);
        }
        List<Signature> atb = new ArrayList<>();
        functions.path("atb_cxx").path("free_functions").forEach(f -> atb.add(new Signature(f.path("signature").asText())));
        Map<String, List<VirtualMethod>> classes = new LinkedHashMap<>();
        functions.path("atb_cxx").path("classes").fields().forEachRemaining(e -> {
            List<VirtualMethod> ms = new ArrayList<>();
            e.getValue().forEach(m -> ms.add(new VirtualMethod(m.path("name").asText(),
                    m.path("vtable_slot_order").asInt(), m.path("signature").asText())));
            classes.put(e.getKey(), ms);
        });
        Map<String, String> svector = new LinkedHashMap<>();
        v.path("svector_behaviour").fields().forEachRemaining(e -> {
            JsonNode b = e.getValue();
            if (b.isTextual()) {
                svector.put(e.getKey(), b.asText());
            } else if (b.has("throws")) {  // "throws atb::MaxSizeExceeded size=64" / "ok size=65", as the probe prints it
                svector.put(e.getKey(), (b.get("throws").asBoolean() ? "throws " + b.path("exception").asText() : "ok")
                        + " size=" + b.path("size_after").asLong());
            }
        });
        return new CannFacts(version, structs, enums, absent, constants, c, atb, classes, svector);
    }

    private static StructFacts struct(String name, JsonNode s) {
        List<FieldFacts> fields = new ArrayList<>();
        for (JsonNode f : s.path("fields")) {
            Map<String, String> types = new LinkedHashMap<>();
            JsonNode t = f.path("canonical_type");
            if (t.isObject()) {
                t.fields().forEachRemaining(e -> types.put(e.getKey(), e.getValue().asText()));
            } else if (t.isTextual()) {
                types.put("", t.asText());
            }
            boolean initialised = f.path("has_default_member_initializer_or_ctor").asBoolean(true);
            fields.add(new FieldFacts(f.path("name").asText(), types,
                    initialised ? defaultValue(f.path("default_value")) : Optional.empty()));
        }
        Map<String, Layout> layouts = new LinkedHashMap<>();
        s.path("layout").fields().forEachRemaining(e -> {
            Map<String, FieldLayout> fl = new LinkedHashMap<>();
            e.getValue().path("fields").fields().forEachRemaining(x -> fl.put(x.getKey(), new FieldLayout(
                    x.getValue().path("offset").asLong(), x.getValue().path("size").asLong(),
                    x.getValue().path("align").asLong())));
            layouts.put(e.getKey(), new Layout(e.getValue().path("sizeof").asLong(), e.getValue().path("alignof").asLong(),
                    fl));
        });
        return new StructFacts(name, fields, layouts);
    }

    /** The facts' default_value in the probe's notation; empty for nested structs and unrecorded values. */
    private static Optional<String> defaultValue(JsonNode d) {
        if (d.isMissingNode()) return Optional.empty();
        if (d.isNull()) return Optional.of("null");
        if (d.isBoolean()) return Optional.of(String.valueOf(d.asBoolean()));
        if (d.isNumber()) return Optional.of(d.isIntegralNumber() ? String.valueOf(d.asLong()) : "float:" + d.asDouble());
        if (d.has("array_all_zero")) return Optional.of(d.get("array_all_zero").asBoolean() ? "array-zero" : "array-not-zero");
        if (d.has("container_size")) return Optional.of("size=" + d.get("container_size").asLong());
        if (d.isTextual() && !d.asText().startsWith("(struct)") && !d.asText().startsWith("each element")) {
            return Optional.of("\"" + d.asText() + "\"");
        }
        return Optional.empty();
    }
}
