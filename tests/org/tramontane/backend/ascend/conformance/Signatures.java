package org.tramontane.backend.ascend.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts the two spellings of a function type side by side: a declaration as cann-facts.json writes it
 * ("aclError aclrtMemcpy(void*, size_t, const void*, size_t, aclrtMemcpyKind)", typedef names kept)
 * and g++'s spelling of a pointer to it ("int (*)(void*, long unsigned int, const void*, ...)").
 * Both become a return type, parameter list and constness over canonical LP64 types, so what the
 * comparison sees is what the C and C++ ABIs see.
 */
final class Signatures {
    private Signatures() {}

    /** A function type with canonical types: "ret(param,param)" plus " const" for const methods. */
    record Shape(String ret, List<String> params, boolean isConst) {
        @Override
        public String toString() {
            return ret + "(" + String.join(", ", params) + ")" + (isConst ? " const" : "");
        }
    }

    /** The typedefs of the CANN subset and of <stdint.h> on LP64 (cann-facts.json `typedefs`). */
    private static final Map<String, String> TYPEDEFS = Map.ofEntries(Map.entry("aclError", "int"),
            Map.entry("aclrtStream", "void *"), Map.entry("aclrtContext", "void *"), Map.entry("aclnnStatus", "int"),
            Map.entry("HcclComm", "void *"), Map.entry("HcclRootInfo", "HcclRootInfoDef"), Map.entry("Status", "int"),
            Map.entry("size_t", "unsigned long"), Map.entry("uint64_t", "unsigned long"), Map.entry("int64_t", "long"),
            Map.entry("int32_t", "int"), Map.entry("uint32_t", "unsigned int"), Map.entry("uint8_t", "unsigned char"),
            Map.entry("int8_t", "signed char"));

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*|\\S");

    /** One type in canonical form: typedefs resolved, g++'s "long unsigned int" as "unsigned long", no namespaces. */
    static String canonical(String type) {
        String t = type.replace("std::__cxx11::basic_string<char>", "std::string")
                .replace("std::basic_string<char>", "std::string").replace("atb::infer::", "").replace("atb::", "");
        List<String> tokens = new ArrayList<>();
        Matcher m = TOKEN.matcher(t);
        while (m.find()) {
            String tok = m.group();
            String mapped = TYPEDEFS.get(tok);
            if (mapped != null && !(tokens.size() > 0 && tokens.get(tokens.size() - 1).equals(":"))) {
                for (String s : mapped.split(" ")) tokens.add(s);
            } else {
                tokens.add(tok);
            }
        }
        String s = String.join(" ", tokens).replace(" : : ", "::");
        s = s.replace("long unsigned int", "unsigned long").replace("long int", "long").replace("short int", "short");
        return s.replace(" *", "*").replace(" &", "&").replace("< ", "<").replace(" >", ">").replace(" (", "(")
                .replace("( ", "(").replace(" )", ")").replace(" ,", ",").trim();
    }

    /** A declaration as cann-facts.json writes it: "R name(P, ...)[ const]", "virtual" and qualifiers dropped. */
    static Shape ofDeclaration(String decl, String templateArgument) {
        String d = decl.replaceFirst("^template <typename (\\w+)> ", "");
        if (templateArgument != null) d = d.replaceAll("\\bOpParam\\b", templateArgument);
        d = d.replaceFirst("^virtual ", "");
        int open = d.indexOf('(');
        int close = d.lastIndexOf(')');
        String head = d.substring(0, open).trim();
        int nameAt = head.lastIndexOf(' ');
        String ret = nameAt < 0 ? "" : head.substring(0, nameAt);
        return new Shape(canonical(ret), params(d.substring(open + 1, close)), d.substring(close + 1).trim().equals("const"));
    }

    /** g++'s spelling of a pointer to function "R (*)(P...)" or to member "R (C::*)(P...) const". */
    static Shape ofPointerType(String spelled) {
        int star = spelled.indexOf("*)(");
        int retEnd = spelled.lastIndexOf(" (", star);
        int open = star + 2;
        int close = matching(spelled, open);
        return new Shape(canonical(spelled.substring(0, retEnd)), params(spelled.substring(open + 1, close)),
                spelled.substring(close + 1).trim().equals("const"));
    }

    private static int matching(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            if (s.charAt(i) == '(') depth++;
            if (s.charAt(i) == ')' && --depth == 0) return i;
        }
        throw new IllegalArgumentException("unbalanced: " + s);
    }

    /** Top-level comma split (std::function<void*(size_t)> keeps its parentheses); "void" alone means none. */
    private static List<String> params(String list) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= list.length(); i++) {
            char c = i < list.length() ? list.charAt(i) : ',';
            if (c == '(' || c == '<') depth++;
            if (c == ')' || c == '>') depth--;
            if (c == ',' && depth == 0) {
                String p = list.substring(start, i).trim();
                if (!p.isEmpty() && !p.equals("void")) out.add(canonical(p));
                start = i + 1;
            }
        }
        return out;
    }
}
