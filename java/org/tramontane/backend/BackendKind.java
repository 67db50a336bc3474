package org.tramontane.backend;

import org.tramontane.config.Precision;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tramontane.backend.ascend.AscendBackend;
import org.tramontane.backend.ascend.AscendPlatform;
import org.tramontane.backend.cpu.CpuBackend;
import org.tramontane.backend.cpu.CpuPlatform;

/** {@code --backend}: an enum factory, never a class name looked up at run time. */
public enum BackendKind {
    CPU("cpu"),
    /** Atlas NPU through ACL / ATB / aclnn; needs a build with the CANN runtime (never falls back). */
    ASCEND("ascend"),
    /** The same binding on the CPU simulator of that API (native/ascend/sim); only by name. */
    ASCEND_SIM("ascend-sim");

    public final String cliName;

    BackendKind(String cliName) {
        this.cliName = cliName;
    }

    /** What backends of this kind run on: threads, ISA level, probes, counters. */
    public Platform platform() {
        return switch (this) {
            case CPU -> CpuPlatform.get();
            case ASCEND, ASCEND_SIM -> new AscendPlatform(CpuPlatform.get());
        };
    }

    public Backend create(Precision precision) {
        return switch (this) {
            case CPU -> new CpuBackend(precision);
            case ASCEND -> AscendBackend.open(precision, false);
            case ASCEND_SIM -> AscendBackend.open(precision, true);
        };
    }

    /**
     * One backend per rank of a tensor-parallel group, made together so that a backend with device
     * collectives can set up its group (HCCL on ascend). {@code collectiveTimeoutSeconds} bounds how
     * long a rank waits for the others in a device collective. Rank r is element r.
     */
    public List<Backend> createGroup(Precision precision, int worldSize, long collectiveTimeoutSeconds) {
        if (worldSize < 1) throw new IllegalArgumentException("worldSize must be >= 1");
        return switch (this) {
            case CPU -> {
                List<Backend> out = new ArrayList<>();
                for (int r = 0; r < worldSize; r++) out.add(new CpuBackend(precision));
                yield out;
            }
            case ASCEND -> List.copyOf(AscendBackend.openGroup(precision, false, worldSize, collectiveTimeoutSeconds));
            case ASCEND_SIM -> List.copyOf(AscendBackend.openGroup(precision, true, worldSize, collectiveTimeoutSeconds));
        };
    }

    /** Parses {@code --backend}; cpu, ascend or ascend-sim. */
    public static BackendKind fromCli(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (BackendKind k : values()) {
            if (k.cliName.equals(n)) return k;
        }
        throw new org.tramontane.config.ConfigException("--backend must be cpu, ascend or ascend-sim (got " + name + ")");
    }
}
