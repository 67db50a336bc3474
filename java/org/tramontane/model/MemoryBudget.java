package org.tramontane.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The memory this process may still take: MemAvailable of /proc/meminfo, lowered by a cgroup
 * limit (v2 memory.max, v1 memory.limit_in_bytes) less its usage. Checked before a large
 * allocation, because the kernel overcommits: a too-large allocation succeeds and the process is
 * killed later, without a message, when the pages are touched.
 */
public final class MemoryBudget {
    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path CGROUP = Path.of("/sys/fs/cgroup");

    private MemoryBudget() {}

    /** Bytes available now; empty where the machine does not say (not Linux). */
    public static OptionalLong available() {
        OptionalLong mem = meminfoAvailable(read(MEMINFO));
        OptionalLong cg = cgroupLeft(read(CGROUP.resolve("memory.max")), read(CGROUP.resolve("memory.current")));
        if (cg.isEmpty()) {
            cg = cgroupLeft(read(CGROUP.resolve("memory/memory.limit_in_bytes")),
                    read(CGROUP.resolve("memory/memory.usage_in_bytes")));
        }
        if (mem.isEmpty()) return cg;
        return cg.isEmpty() ? mem : OptionalLong.of(Math.min(mem.getAsLong(), cg.getAsLong()));
    }

    /** Refuses {@code what} when its {@code bytes} exceed what is available, in one line naming both. */
    public static void require(String what, long bytes) {
        OptionalLong free = available();
        if (free.isPresent() && bytes > free.getAsLong()) {
            throw new ModelException(what + " needs " + size(bytes) + " of memory but " + size(free.getAsLong())
                    + " is available");
        }
    }

    /** MemAvailable (in kB in the file) as bytes. */
    static OptionalLong meminfoAvailable(String meminfo) {
        if (meminfo == null) return OptionalLong.empty();
        for (String line : meminfo.split("\n")) {
            if (line.startsWith("MemAvailable:")) {
                String[] f = line.substring("MemAvailable:".length()).trim().split("\\s+");
                return OptionalLong.of(Long.parseLong(f[0]) * 1024);
            }
        }
        return OptionalLong.empty();
    }

    /** A cgroup's limit less its usage; empty when unlimited ("max", or v1's near-2^63 value) or unknown. */
    static OptionalLong cgroupLeft(String limit, String usage) {
        if (limit == null || usage == null || limit.isBlank() || limit.strip().equals("max")) return OptionalLong.empty();
        long l = Long.parseLong(limit.strip());
        if (l >= (1L << 60)) return OptionalLong.empty();
        return OptionalLong.of(Math.max(0, l - Long.parseLong(usage.strip())));
    }

    /** 1.50 GiB, 12.00 MiB. */
    public static String size(long bytes) {
        if (bytes >= (1L << 30)) return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20));
    }

    private static String read(Path p) {
        try {
            return Files.isReadable(p) ? Files.readString(p) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
