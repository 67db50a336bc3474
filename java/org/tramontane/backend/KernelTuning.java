package org.tramontane.backend;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code -Dtramontane.cpu.tune}: whether a backend times its kernels' variants on this machine at
 * load and keeps the fastest (every variant gives the same results; only the speed differs).
 */
public enum KernelTuning {
    /** The built-in variants, nothing timed. */
    OFF("off"),
    /** Choices from the cache file of this CPU where it has them; the shapes it lacks are timed and added. */
    CACHED("cached"),
    /** Every shape timed again, the cache file rewritten with the new choices. */
    FRESH("fresh");

    /** The system property that sets the mode. */
    public static final String PROPERTY = "tramontane.cpu.tune";

    public final String cliName;

    KernelTuning(String cliName) {
        this.cliName = cliName;
    }

    /** The mode named {@code name} (case-insensitive), or empty. */
    public static Optional<KernelTuning> fromName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.cliName.equals(n)).findFirst();
    }

    /** "off, cached, fresh". */
    public static String names() {
        return Arrays.stream(values()).map(m -> m.cliName).collect(Collectors.joining(", "));
    }
}
