package org.tramontane.cli;

import java.io.PrintWriter;
import java.util.Optional;
import org.tramontane.backend.BackendKind;
import org.tramontane.backend.Isa;
import org.tramontane.backend.KernelTuning;
import org.tramontane.backend.Platform;

/**
 * What the native layer needs before the first native call, so that scripts can run the jar
 * with no JVM flags: JavaCPP's memory governor off (weights live in native memory it must not
 * count), an optional forced ISA level ({@code -Dtramontane.cpu.isa=scalar|avx2|avx512}) and the kernel
 * tuning mode ({@code -Dtramontane.cpu.tune=off|cached|fresh}).
 */
final class NativeSetup {
    static final String ISA_PROPERTY = "tramontane.cpu.isa";

    private NativeSetup() {}

    /** False after printing one line to {@code err} when {@code tramontane.cpu.isa} names no level this CPU runs. */
    static boolean apply(PrintWriter err) {
        System.setProperty("org.bytedeco.javacpp.maxBytes", "0");
        System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
        String tune = System.getProperty(KernelTuning.PROPERTY);
        if (tune != null) {
            Optional<KernelTuning> mode = KernelTuning.fromName(tune);
            if (mode.isEmpty()) {
                err.println("error: -D" + KernelTuning.PROPERTY + " must be one of " + KernelTuning.names() + " (got '" + tune + "')");
                return false;
            }
            BackendKind.CPU.platform().setKernelTuning(mode.get());
        }
        String name = System.getProperty(ISA_PROPERTY);
        if (name == null) return true;
        Optional<Isa> isa = Isa.fromName(name);
        if (isa.isEmpty()) {
            err.println("error: -D" + ISA_PROPERTY + " must be one of " + Isa.names() + " (got '" + name + "')");
            return false;
        }
        Platform cpu = BackendKind.CPU.platform();
        if (!cpu.supportedIsas().contains(isa.get())) {
            err.println("error: -D" + ISA_PROPERTY + "=" + isa.get().cliName + " is not supported by this CPU"
                    + " (supported: " + String.join(", ", cpu.supportedIsas().stream().map(i -> i.cliName).toList()) + ")");
            return false;
        }
        cpu.forceIsa(isa.get());
        return true;
    }
}
