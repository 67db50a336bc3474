package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tramontane.backend.BackendKind;
import org.tramontane.backend.Isa;
import org.tramontane.backend.KernelTuning;
import org.tramontane.backend.Platform;

/** {@code -Dtramontane.cpu.isa} and {@code -Dtramontane.cpu.tune}: a bad name is one line and exit 2; a good one is applied. */
class NativeSetupTest {
    private final StringWriter err = new StringWriter();
    private final Platform cpu = BackendKind.CPU.platform();

    /** The build's setting (off under mvn), put back after each test, in the property and in the platform. */
    private final String tuning = System.getProperty(KernelTuning.PROPERTY);

    @AfterEach
    void restore() {
        System.clearProperty(NativeSetup.ISA_PROPERTY);
        if (tuning == null) System.clearProperty(KernelTuning.PROPERTY);
        else System.setProperty(KernelTuning.PROPERTY, tuning);
        cpu.setKernelTuning(KernelTuning.fromName(tuning == null ? "cached" : tuning).orElseThrow());
        cpu.forceIsa(cpu.supportedIsas().get(cpu.supportedIsas().size() - 1));
    }

    private int run(String... args) {
        return Main.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    }

    @Test
    void anUnknownLevelIsOneLineNamingThePropertyAndTheLevelsExit2() {
        System.setProperty(NativeSetup.ISA_PROPERTY, "bogus");
        assertEquals(2, run("--help"));
        String msg = err.toString();
        assertEquals(1, msg.lines().count(), msg);
        assertTrue(msg.contains("tramontane.cpu.isa") && msg.contains(Isa.names()) && msg.contains("bogus"), msg);
    }

    @Test
    void anUnknownTuningModeIsOneLineNamingThePropertyAndTheModesExit2() {
        System.setProperty(KernelTuning.PROPERTY, "sometimes");
        assertEquals(2, run("--help"));
        String msg = err.toString();
        assertEquals(1, msg.lines().count(), msg);
        assertTrue(msg.contains("tramontane.cpu.tune") && msg.contains(KernelTuning.names()) && msg.contains("sometimes"), msg);
    }

    @Test
    void aKnownTuningModeIsSet() {
        System.setProperty(KernelTuning.PROPERTY, "fresh");
        assertEquals(0, run("--help"));
        assertTrue(cpu.kernelTuning().orElseThrow().startsWith("fresh, "), cpu.kernelTuning().toString());
    }

    @Test
    void aKnownLevelIsForced() {
        System.setProperty(NativeSetup.ISA_PROPERTY, "scalar");
        assertEquals(0, run("--help"));
        assertEquals(Isa.SCALAR, cpu.activeIsa().orElseThrow());
        assertEquals("", err.toString());
    }
}
