package org.tramontane.backend.ascend.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The project's CANN declarations (native/ascend/include) against the facts of each supported CANN
 * release in cann-facts.json (system property tramontane.cann.facts; skipped when absent): the
 * conformance probe is compiled at each release's TRAMONTANE_CANN_VERSION under both
 * _GLIBCXX_USE_CXX11_ABI values, run, and every fact it prints compared (Conformance lists what
 * counts). With tramontane.cann.headers set (tests/ascend/device-check.sh on a CANN host), the
 * installed headers are probed instead, against the facts of tramontane.cann.version. The facade
 * must also type-check against each release's declarations.
 */
class CannConformanceTest {

    private static List<ConformanceBuild> builds() {
        Optional<ConformanceBuild> installed = ConformanceBuild.installed();
        if (installed.isPresent()) return List.of(installed.get());
        List<ConformanceBuild> out = new ArrayList<>();
        for (String v : ConformanceBuild.SUPPORTED) out.add(ConformanceBuild.ours(v));
        return out;
    }

    @TestFactory
    Stream<DynamicTest> declarationsMatchEachSupportedRelease() {
        JsonNode root = CannFacts.load();
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceBuild b : builds()) {
            CannFacts facts = CannFacts.of(root, b.version());
            for (int abi : new int[] {0, 1}) {
                tests.add(DynamicTest.dynamicTest(b.describe() + ", _GLIBCXX_USE_CXX11_ABI=" + abi, () -> {
                    ProbeReport report = ProbeReport.parse(b.runProbe(abi));
                    assertEquals(b.macro(), report.cannVersion(), "TRAMONTANE_CANN_VERSION the probe was built with");
                    assertEquals(abi, report.abi(), "the probe's _GLIBCXX_USE_CXX11_ABI");
                    Conformance c = Conformance.compare(report, facts);
                    System.out.printf("%s, %s: %d facts checked, %d differences, %d unchecked%n", b.describe(),
                            report.target(), c.checked, c.differences.size(), c.unchecked.size());
                    c.unchecked.forEach(u -> System.out.println("  unchecked: " + u));
                    c.differences.forEach(d -> System.out.println("  DIFFERENCE: " + d));
                    assertTrue(c.checked > 400, "the probe reported too little to be a check: " + c.checked + " facts");
                    assertTrue(c.differences.isEmpty(), b.describe() + " under " + report.target() + " differs in "
                            + c.differences.size() + " facts:\n" + String.join("\n", c.differences));
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> facadeCompilesAgainstEachSupportedRelease() {
        return builds().stream().map(b -> DynamicTest.dynamicTest("facade against " + b.describe(), () -> {
            String complaints = b.checkFacade();
            assertTrue(complaints.isEmpty(), "the facade does not compile against " + b.describe() + ":\n" + complaints);
        }));
    }

    /** The versions the test covers are the ones cann-facts.json describes, and the macro encodes them in order. */
    @Test
    void supportedVersionsAreDescribedAndOrdered() {
        JsonNode root = CannFacts.load();
        int previous = 0;
        for (String v : ConformanceBuild.SUPPORTED) {
            assertTrue(root.path("versions").has(v), "cann-facts.json describes " + v);
            int m = ConformanceBuild.macroOf(v);
            assertTrue(m > previous, v + " orders after the previous release");
            previous = m;
        }
        assertEquals(80100, ConformanceBuild.macroOf("8.1.RC1"));
        assertEquals(80500, ConformanceBuild.macroOf("8.5.0"));
    }
}
