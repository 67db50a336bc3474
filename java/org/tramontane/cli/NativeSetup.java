package org.tramontane.cli;

import org.tramontane.backend.cpu.CpuBackend;

/**
 * What the native layer needs before the first native call, so that scripts can run the jar
 * with no JVM flags: JavaCPP's memory governor off (weights live in native memory it must not
 * count) and an optional forced ISA level ({@code -Dtramontane.cpu.isa=scalar|avx2|avx512}).
 */
final class NativeSetup {
    private NativeSetup() {}

    static void apply() {
        System.setProperty("org.bytedeco.javacpp.maxBytes", "0");
        System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
        String isa = System.getProperty("tramontane.cpu.isa");
        if (isa != null) {
            CpuBackend.forceIsa(switch (isa) {
                case "scalar" -> 0;
                case "avx2" -> 1;
                case "avx512" -> 2;
                default -> throw new IllegalArgumentException("tramontane.cpu.isa must be scalar, avx2 or avx512");
            });
        }
    }
}
