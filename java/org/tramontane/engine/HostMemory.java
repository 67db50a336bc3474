package org.tramontane.engine;

import java.util.OptionalLong;
import org.tramontane.model.MemoryBudget;

/**
 * Memory the host can still give: Linux's MemAvailable (free pages plus what the kernel can
 * reclaim), lowered by the cgroup's limit ({@link MemoryBudget}).
 */
final class HostMemory {
    private HostMemory() {}

    /** MemAvailable in bytes; empty where the kernel does not report it. */
    static OptionalLong available() {
        return MemoryBudget.available();
    }
}
