package org.tramontane.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Platform seam as the layers above see it: ISA names, and the ascend kinds' honest answers. */
class PlatformTest {

    @Test
    void isaNamesParseCaseInsensitivelyAndNothingElse() {
        assertEquals(Optional.of(Isa.AVX2), Isa.fromName("AVX2"));
        assertEquals(Optional.of(Isa.SCALAR), Isa.fromName(" scalar "));
        assertEquals(Optional.empty(), Isa.fromName("bogus"));
        assertEquals("scalar, avx2, avx512, amx, neon", Isa.names());
        for (Isa i : Isa.values()) assertEquals(i, Isa.ofCode(i.code));
    }

    @Test
    void aCpuRunsScalarAndItsOwnArchitecturesLevelsUpToItsHighest() {
        assertEquals(List.of(Isa.SCALAR), Isa.upTo(Isa.SCALAR));
        assertEquals(List.of(Isa.SCALAR, Isa.AVX2), Isa.upTo(Isa.AVX2));
        assertEquals(List.of(Isa.SCALAR, Isa.AVX2, Isa.AVX512), Isa.upTo(Isa.AVX512));
        assertEquals(List.of(Isa.SCALAR, Isa.AVX2, Isa.AVX512, Isa.AMX), Isa.upTo(Isa.AMX));
        assertEquals(List.of(Isa.SCALAR, Isa.NEON), Isa.upTo(Isa.NEON));
    }

    @Test
    void ascendKindsReportNoHostIsaNoProbesNoCounter() {
        for (BackendKind kind : new BackendKind[] {BackendKind.ASCEND, BackendKind.ASCEND_SIM}) {
            Platform p = kind.platform();
            assertTrue(p.activeIsa().isEmpty(), kind.cliName);
            assertTrue(p.supportedIsas().isEmpty(), kind.cliName);
            assertTrue(p.peakOpsPerSecond(Platform.Peak.FP32_FMA, 5, 1).isEmpty(), kind.cliName);
            assertTrue(p.readBandwidth(1 << 20, 1).isEmpty(), kind.cliName);
            assertTrue(p.weightBytesRead().isEmpty(), kind.cliName);
            assertThrows(IllegalArgumentException.class, () -> p.forceIsa(Isa.SCALAR));
            // host-side work runs on the host pool: the same threads the cpu platform reports
            assertEquals(BackendKind.CPU.platform().threads(), p.threads(), kind.cliName);
        }
    }
}
