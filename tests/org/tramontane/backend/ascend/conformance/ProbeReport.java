package org.tramontane.backend.ascend.conformance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What native/ascend/probes/conformance/conformance.cpp printed (its header comment lists the line
 * kinds): the declarations as one compilation saw them, for one CANN version, C++ ABI and target.
 */
record ProbeReport(int cannVersion, int abi, String arch, Map<String, Struct> structs, Map<String, Enum> enums,
        Map<String, Long> constants, Map<String, String> functions, List<Method> methods, Map<String, String> svector) {

    record Field(String name, long offset, long size, long align, String type) {}

    record Struct(String name, long size, long align, Map<String, Field> fields, Map<String, String> defaults) {}

    record Enum(String name, long size, boolean signed, Map<String, Long> enumerators) {}

    record Method(String cls, String name, long slot, String type) {}

    /** The cann-facts.json layout key of this build, e.g. "x86_64/abi1". */
    String target() {
        return arch + "/abi" + abi;
    }

    static ProbeReport parse(String text) {
        int version = -1;
        int abi = -1;
        String arch = "";
        Map<String, Struct> structs = new LinkedHashMap<>();
        Map<String, Enum> enums = new LinkedHashMap<>();
        Map<String, Long> constants = new LinkedHashMap<>();
        Map<String, String> functions = new LinkedHashMap<>();
        List<Method> methods = new ArrayList<>();
        Map<String, String> svector = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            String[] w = line.split(" ", 7);
            switch (w[0]) {
                case "probe" -> {
                    version = Integer.parseInt(w[1]);
                    abi = Integer.parseInt(w[2]);
                    arch = w[3];
                }
                case "struct" -> structs.put(w[1], new Struct(w[1], Long.parseLong(w[2]), Long.parseLong(w[3]),
                        new LinkedHashMap<>(), new LinkedHashMap<>()));
                case "field" -> structs.get(w[1]).fields().put(w[2], new Field(w[2], Long.parseLong(w[3]),
                        Long.parseLong(w[4]), Long.parseLong(w[5]), w[6]));
                case "default" -> structs.get(w[1]).defaults().put(w[2], line.split(" ", 4)[3]);
                case "enum" -> enums.putIfAbsent(w[1], new Enum(w[1], Long.parseLong(w[2]), w[3].equals("signed"),
                        new LinkedHashMap<>()));
                case "enumerator" -> enums.get(w[1]).enumerators().put(w[2], Long.parseLong(w[3]));
                case "constant" -> constants.put(w[1], Long.parseLong(w[2]));
                case "function" -> functions.put(w[1], line.split(" ", 3)[2]);
                case "method" -> {
                    String[] m = line.split(" ", 5);
                    methods.add(new Method(m[1], m[2], Long.parseLong(m[3]), m[4]));
                }
                case "svector" -> svector.put(w[1], line.split(" ", 3)[2]);
                default -> throw new IllegalStateException("unexpected probe line: " + line);
            }
        }
        if (version < 0) throw new IllegalStateException("the probe printed no header line:\n" + text);
        return new ProbeReport(version, abi, arch, structs, enums, constants, functions, methods, svector);
    }
}
