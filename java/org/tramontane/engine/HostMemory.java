package org.tramontane.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Memory the host can still give: Linux's MemAvailable (free pages plus what the kernel can reclaim). */
final class HostMemory {
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private HostMemory() {}

    /** MemAvailable in bytes; empty where the kernel does not report it. */
    static OptionalLong available() {
        try {
            for (String line : Files.readAllLines(MEMINFO)) {
                if (line.startsWith("MemAvailable:")) {
                    String[] f = line.trim().split("\\s+"); // "MemAvailable:  123456 kB"
                    return OptionalLong.of(Long.parseLong(f[1]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
