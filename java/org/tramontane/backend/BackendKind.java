package org.tramontane.backend;

import java.util.Locale;
import org.tramontane.backend.cpu.CpuBackend;

/** {@code --backend}: an enum factory, never a class name looked up at run time. */
public enum BackendKind {
    CPU("cpu");

    public final String cliName;

    BackendKind(String cliName) {
        this.cliName = cliName;
    }

    public Backend create(Precision precision) {
        return switch (this) {
            case CPU -> new CpuBackend(precision);
        };
    }

    /** Parses {@code --backend}; names the Ascend backends honestly as not available yet. */
    public static BackendKind fromCli(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (BackendKind k : values()) {
            if (k.cliName.equals(n)) return k;
        }
        if (n.equals("ascend") || n.equals("ascend-sim")) {
            throw new IllegalArgumentException("--backend " + n + " is not supported yet (only cpu is built)");
        }
        throw new IllegalArgumentException("--backend must be cpu (got " + name + ")");
    }
}
