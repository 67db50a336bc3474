package org.tramontane.backend.ascend.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tramontane.backend.ascend.conformance.CannFacts.EnumFacts;
import org.tramontane.backend.ascend.conformance.CannFacts.FieldFacts;
import org.tramontane.backend.ascend.conformance.CannFacts.Layout;
import org.tramontane.backend.ascend.conformance.CannFacts.StructFacts;
import org.tramontane.backend.ascend.conformance.CannFacts.VirtualMethod;

/**
 * Every difference that matters between what the probe saw and what one CANN release declares:
 * a struct's size or alignment, a field's offset, size, alignment, type or default, a field or
 * enumerator the release lacks, an enumerator's value, an enum's size or signedness, a constant, a
 * C prototype over canonical types, an ATB function, a virtual method's vtable slot or type, what
 * an atb::SVector call does (returns, or throws which exception). What
 * the real headers declare beyond the project's subset is no difference. Facts the file does not
 * establish for the release (ACL, aclnn and HCCL for 8.2.RC1 and 8.3.RC1) are listed as unchecked.
 */
final class Conformance {
    final List<String> differences = new ArrayList<>();
    final List<String> unchecked = new ArrayList<>();
    int checked;

    private final ProbeReport probe;
    private final CannFacts facts;

    private Conformance(ProbeReport probe, CannFacts facts) {
        this.probe = probe;
        this.facts = facts;
    }

    static Conformance compare(ProbeReport probe, CannFacts facts) {
        Conformance c = new Conformance(probe, facts);
        c.structs();
        c.enums();
        c.constants();
        c.functions();
        c.methods();
        c.svector();
        return c;
    }

    private void differ(String what, Object got, Object want) {
        checked++;
        if (!String.valueOf(got).equals(String.valueOf(want))) {
            differences.add(what + ": ours " + got + ", CANN " + facts.version() + " " + want);
        }
    }

    private void structs() {
        for (ProbeReport.Struct s : probe.structs().values()) {
            StructFacts f = facts.structs().get(s.name());
            if (f == null) {
                differences.add("struct " + s.name() + ": not declared by CANN " + facts.version());
                continue;
            }
            Layout l = f.layouts().get(probe.target());
            if (l == null) {
                unchecked.add("struct " + s.name() + ": no layout for " + probe.target());
                continue;
            }
            differ(s.name() + " sizeof", s.size(), l.size());
            differ(s.name() + " alignof", s.align(), l.align());
            for (ProbeReport.Field p : s.fields().values()) {
                String at = s.name() + "." + p.name();
                Optional<FieldFacts> ff = f.field(p.name());
                CannFacts.FieldLayout fl = l.fields().get(p.name());
                if (ff.isEmpty() || fl == null) {
                    differences.add(at + ": no such field in CANN " + facts.version());
                    continue;
                }
                differ(at + " offset", p.offset(), fl.offset());
                differ(at + " size", p.size(), fl.size());
                differ(at + " align", p.align(), fl.align());
                String type = ff.get().type(probe.abi());
                if (type != null) differ(at + " type", p.type(), type);
                String got = s.defaults().get(p.name());
                Optional<String> want = ff.get().defaultValue();
                if (got != null && want.isPresent()) defaultValue(at + " default", got, want.get());
            }
        }
    }

    /** Defaults compare as text, floats numerically (the probe prints %.9g of the float). */
    private void defaultValue(String what, String got, String want) {
        if (want.startsWith("float:")) {
            checked++;
            double w = Double.parseDouble(want.substring(6));
            double g;
            try {
                g = Double.parseDouble(got);
            } catch (NumberFormatException e) {
                differences.add(what + ": ours " + got + ", CANN " + facts.version() + " " + w);
                return;
            }
            if (Math.abs(g - w) > 1e-6 * Math.max(Math.abs(g), Math.abs(w)) + 1e-30) {
                differences.add(what + ": ours " + got + ", CANN " + facts.version() + " " + w);
            }
        } else {
            differ(what, got, want);
        }
    }

    private void enums() {
        for (ProbeReport.Enum e : probe.enums().values()) {
            EnumFacts f = facts.enums().get(e.name());
            if (f == null) {
                if (facts.enumsAbsent().contains(e.name()) || facts.cFunctions().isPresent() || e.name().startsWith("atb")) {
                    differences.add("enum " + e.name() + ": not declared by CANN " + facts.version());
                } else {
                    unchecked.add("enum " + e.name() + " (no facts for this release)");
                }
                continue;
            }
            differ("enum " + e.name() + " sizeof", e.size(), f.size());
            differ("enum " + e.name() + " signedness", e.signed() ? "signed" : "unsigned", f.signed() ? "signed" : "unsigned");
            for (Map.Entry<String, Long> x : e.enumerators().entrySet()) {
                Long want = f.enumerators().get(x.getKey());
                if (want == null) {
                    differences.add(e.name() + "::" + x.getKey() + " = " + x.getValue() + ": no such enumerator in CANN "
                            + facts.version());
                } else {
                    differ(e.name() + "::" + x.getKey(), x.getValue(), want);
                }
            }
        }
    }

    private void constants() {
        for (Map.Entry<String, Long> c : probe.constants().entrySet()) {
            Long want = facts.constants().get(c.getKey());
            if (want != null) {
                differ("constant " + c.getKey(), c.getValue(), want);
            } else if (facts.cFunctions().isPresent() || c.getKey().startsWith("atb::")) {
                differences.add("constant " + c.getKey() + ": not declared by CANN " + facts.version());
            } else {
                unchecked.add("constant " + c.getKey() + " (no facts for this release)");
            }
        }
    }

    private void functions() {
        for (Map.Entry<String, String> f : probe.functions().entrySet()) {
            Signatures.Shape got = Signatures.ofPointerType(f.getValue());
            String name = f.getKey();
            if (name.startsWith("atb::")) {
                String arg = name.equals("atb::CreateOperation") ? "LinearParam" : null;
                checked++;
                boolean any = facts.atbFunctions().stream()
                        .filter(s -> s.text().contains(" " + name + "("))
                        .anyMatch(s -> Signatures.ofDeclaration(s.text(), arg).equals(got));
                if (!any) differences.add(name + ": ours " + got + ", no such declaration in CANN " + facts.version());
                continue;
            }
            if (facts.cFunctions().isEmpty()) {
                unchecked.add(name + " (ACL/aclnn/HCCL facts not established for this release)");
                continue;
            }
            CannFacts.CFunction want = facts.cFunctions().get().get(name);
            if (want == null || !want.present()) {
                differences.add(name + ": not declared by CANN " + facts.version());
                continue;
            }
            differ(name, got, Signatures.ofDeclaration(want.signature(), null));
        }
    }

    /** What atb::SVector's public members did in the probe against what the release's svector.h does. */
    private void svector() {
        for (Map.Entry<String, String> b : probe.svector().entrySet()) {
            String want = facts.svectorBehaviour().get(b.getKey());
            if (want == null) {
                unchecked.add("SVector " + b.getKey() + " (not in the facts)");
            } else {
                differ("SVector " + b.getKey(), b.getValue(), want);
            }
        }
    }

    /** The Itanium ABI gives a virtual destructor two slots, so declaration order k >= 1 is slot k + 1. */
    private void methods() {
        for (ProbeReport.Method m : probe.methods()) {
            List<VirtualMethod> vms = facts.classes().getOrDefault(m.cls(), List.of());
            Optional<VirtualMethod> vm = vms.stream().filter(v -> v.name().equals(m.name())).findFirst();
            String at = m.cls() + "::" + m.name();
            if (vm.isEmpty()) {
                differences.add(at + ": no such virtual method in CANN " + facts.version());
                continue;
            }
            differ(at + " vtable slot", m.slot(), vm.get().order() + 1);
            differ(at, Signatures.ofPointerType(m.type()), Signatures.ofDeclaration(vm.get().signature(), null));
        }
    }
}
