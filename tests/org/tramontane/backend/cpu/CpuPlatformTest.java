package org.tramontane.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tramontane.backend.BackendKind;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.Isa;
import org.tramontane.backend.Platform;
import org.tramontane.config.DType;
import org.tramontane.config.Precision;

/** The cpu platform: its ISA levels, forcing one, and the weight-byte counter the bench reads. */
class CpuPlatformTest {
    private final CpuPlatform platform = CpuPlatform.get();

    @AfterEach
    void restore() {
        platform.forceIsa(platform.highestIsa());
    }

    @Test
    void reachedThroughTheBackendKind() {
        assertEquals(platform, BackendKind.CPU.platform());
    }

    @Test
    void supportedLevelsRunFromScalarToTheHighest() {
        List<Isa> isas = platform.supportedIsas();
        assertEquals(Isa.SCALAR, isas.get(0));
        assertEquals(platform.highestIsa(), isas.get(isas.size() - 1));
        for (int i = 1; i < isas.size(); i++) {
            assertEquals(platform.highestIsa().arch, isas.get(i).arch);
            assertTrue(isas.get(i - 1).code < isas.get(i).code);
        }
    }

    @Test
    void anotherArchitecturesLevelIsRefused() {
        for (Isa isa : Isa.values()) {
            if (isa.arch != Isa.Arch.ANY && isa.arch != platform.highestIsa().arch) {
                assertThrows(IllegalArgumentException.class, () -> platform.forceIsa(isa), isa.cliName);
            }
        }
        assertEquals(platform.highestIsa(), platform.activeIsa().orElseThrow());
    }

    @Test
    void forcingALevelMakesItTheActiveOne() {
        for (Isa isa : platform.supportedIsas()) {
            platform.forceIsa(isa);
            assertEquals(isa, platform.activeIsa().orElseThrow());
        }
    }

    @Test
    void theCounterSeesEveryWeightByteALinearStreams() {
        int m = 3, k = 40, n = 24;
        try (CpuBackend b = new CpuBackend(Precision.FP32)) {
            DeviceTensor x = b.allocate(DType.F32, m, k);
            DeviceTensor w = b.allocate(DType.BF16, n, k);
            DeviceTensor out = b.allocate(DType.F32, m, n);
            long before = platform.weightBytesRead().orElseThrow();
            b.linear(x, w, out);
            assertEquals((long) n * k * DType.BF16.elemBytes, platform.weightBytesRead().orElseThrow() - before);
        }
    }

    @Test
    void theAmxLevelIsOfferedExactlyWhereTheTilesAreGranted() {
        AmxState state = platform.amxState();
        assertEquals(state == AmxState.USABLE, platform.highestIsa() == Isa.AMX, state.name());
        // tiles the CPU has but the OS withholds are named, never a silent avx512
        assertEquals(state == AmxState.OS_DISABLED || state == AmxState.REFUSED, platform.isaLimit().isPresent(),
                state.name());
    }

    @Test
    void amxPeaksAnswerOnlyWhileTheAmxLevelRuns() {
        Isa before = platform.activeIsa().orElseThrow();
        try {
            for (Isa isa : platform.supportedIsas()) {
                platform.forceIsa(isa);
                boolean amx = isa == Isa.AMX;
                assertEquals(amx, platform.peakOpsPerSecond(Platform.Peak.AMX_BF16, 5, 1).isPresent(), isa.cliName);
                assertEquals(amx, platform.peakOpsPerSecond(Platform.Peak.AMX_INT8, 5, 1).isPresent(), isa.cliName);
            }
        } finally {
            platform.forceIsa(before);
        }
    }

    @Test
    void probesMeasureSomething() {
        assertTrue(platform.peakOpsPerSecond(Platform.Peak.FP32_FMA, 5, 1).orElseThrow() > 0);
        assertTrue(platform.readBandwidth(1 << 20, 1).orElseThrow() > 0);
    }
}
