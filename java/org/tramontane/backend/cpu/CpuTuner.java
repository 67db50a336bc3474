package org.tramontane.backend.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tramontane.backend.Isa;
import org.tramontane.backend.KernelTuning;
import org.tramontane.config.ConfigException;

/**
 * Tunes the decode kernels' weight streams to the machine: at load, for each shape of panel weight
 * it has not seen, it times the stream variants (StreamTuner's candidates) on that shape for a few
 * milliseconds each, hands the fastest to the kernels (tn_set_stream_choice) and keeps it in the
 * CPU model's cache file (TuningCache), which later loads read instead of timing. The timings read
 * the backend's own weights (read only, window after window of the shape's size across all of
 * them), at least twice the last-level cache, so each call streams from memory as a decode step
 * does and no buffer is allocated; a model smaller than that runs from cache and is not tuned.
 * Every variant gives the same bits, so a choice, a stale cache entry or a noisy timing can only
 * cost speed. One per process, as the pool and the native table are.
 */
final class CpuTuner {
    // decisions.md: stream-tuner
    /** Matrices below this size are not tuned (their time in a step is small). */
    static final long MIN_TUNED_BYTES = 1L << 20;
    /** Each timing round aims at about this long; a round is at least one call. */
    static final double ROUND_NS = 3e6;
    static final int ROUNDS = 3;
    /** The weights the timings read: at least twice the last-level cache and this much. */
    static final long MIN_REGION_BYTES = 32L << 20;
    /** The last-level cache assumed where neither sysfs nor the C library tells. */
    static final long DEFAULT_LLC_BYTES = 32L << 20;

    private static final CpuTuner INSTANCE = new CpuTuner(null, TuningCache.defaultDir());

    /** How a shape's choice was made in this process. */
    record Chosen(StreamChoice choice, boolean cached, double speedup) {}

    private KernelTuning mode;  // null: from the system property at first use
    private final Path dir;
    private TuningCache cache;
    private final Map<StreamShape, Chosen> chosen = new LinkedHashMap<>();

    CpuTuner(KernelTuning mode, Path dir) {
        this.mode = mode;
        this.dir = dir;
    }

    static CpuTuner get() {
        return INSTANCE;
    }

    synchronized void setMode(KernelTuning m) {
        mode = m;
    }

    synchronized KernelTuning mode() {
        if (mode == null) {
            String p = System.getProperty(KernelTuning.PROPERTY);
            mode = p == null ? KernelTuning.CACHED : KernelTuning.fromName(p).orElseThrow(() -> new ConfigException(
                    "-D" + KernelTuning.PROPERTY + " must be one of " + KernelTuning.names() + " (got '" + p + "')"));
        }
        return mode;
    }

    /** The choices this process made, by shape. */
    synchronized Map<StreamShape, Chosen> chosen() {
        return Map.copyOf(chosen);
    }

    private TuningCache cache() {
        if (cache == null) cache = new TuningCache(TuningCache.fileFor(dir, cpuModel()), cpuModel());
        return cache;
    }

    /**
     * Chooses the streams of a weight laid out in panels ([n, k], or experts [E, n, k]) unless its
     * shape has a choice; regions: the memory the timing runs may read (address / length pairs).
     */
    synchronized void prepare(CpuTensor weight, long[] regions) {
        long[] s = weight.shape();
        StreamShape shape = new StreamShape(weight.dtype(), (int) s[s.length - 2], (int) s[s.length - 1]);
        if (mode() == KernelTuning.OFF || shape.n() < 16 || shape.bytes() < MIN_TUNED_BYTES || chosen.containsKey(shape)
                || CpuNative.tn_stream_tunable(shape.dtype().code) == 0) return;
        String isa = Isa.ofCode(CpuNative.tn_isa_active()).cliName;
        int threads = CpuNative.tn_num_threads();
        if (mode == KernelTuning.CACHED) {
            Optional<TuningCache.Entry> e = cache().find(isa, threads, shape);
            Optional<StreamChoice> c = e.flatMap(TuningCache.Entry::choice);
            if (c.isPresent()) {
                apply(shape, new Chosen(c.get(), true, e.get().builtInNsPerCall() / e.get().nsPerCall()));
                return;
            }
        }
        Optional<StreamTuner.Result> r = time(shape, regions);
        if (r.isEmpty()) return;
        cache().put(TuningCache.Entry.of(isa, threads, shape, r.get()));
        apply(shape, new Chosen(r.get().choice(), false, r.get().speedup()));
    }

    private void apply(StreamShape shape, Chosen c) {
        try (CpuNative.StreamChoiceStruct st = c.choice().into(new CpuNative.StreamChoiceStruct())) {
            CpuChecks.check(CpuNative.tn_set_stream_choice(shape.dtype().code, shape.n(), shape.k(), st), "set_stream_choice");
        }
        chosen.put(shape, c);
    }

    /** StreamTuner over native timings of the shape; empty when the regions hold too few windows of it. */
    private static Optional<StreamTuner.Result> time(StreamShape shape, long[] regions) {
        long readable = 0;
        for (int i = 0; i + 1 < regions.length; i += 2) readable += regions[i + 1] / shape.bytes() * shape.bytes();
        if (readable < Math.max(2 * llcBytes(), MIN_REGION_BYTES)) return Optional.empty();
        try (CpuNative.StreamChoiceStruct st = new CpuNative.StreamChoiceStruct()) {
            double first = timeOne(shape, regions, StreamChoice.BUILT_IN, st, 1, 2);
            int calls = (int) Math.max(1, Math.min(1000, Math.ceil(ROUND_NS / Math.max(first, 1))));
            return Optional.of(StreamTuner.tune(shape.dtype(), c -> timeOne(shape, regions, c, st, calls, 1), ROUNDS));
        }
    }

    private static double timeOne(StreamShape shape, long[] regions, StreamChoice c, CpuNative.StreamChoiceStruct st,
            int calls, int rounds) {
        double[] ns = new double[1];
        CpuChecks.check(CpuNative.tn_time_stream(shape.dtype().code, shape.n(), shape.k(), regions, regions.length / 2,
                c.into(st), calls, rounds, ns), "time_stream");
        return ns[0];
    }

    /**
     * The last-level cache of this CPU as sysfs describes cpu0's caches (what lscpu prints; in a VM
     * the C library's figure can be the host's, ten times larger), else the C library's, else 32 MiB.
     */
    static long llcBytes() {
        long best = 0;
        int bestLevel = 0;
        for (int i = 0; i < 16; i++) {
            Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + i);
            try {
                int level = Integer.parseInt(Files.readString(dir.resolve("level")).trim());
                long size = cacheSize(Files.readString(dir.resolve("size")).trim());
                if (level >= bestLevel && size > 0) {
                    best = level > bestLevel ? size : Math.max(best, size);
                    bestLevel = level;
                }
            } catch (IOException | RuntimeException e) {
                break;  // no more cache indexes (or none described)
            }
        }
        if (best > 0) return best;
        long libc = CpuNative.tn_llc_bytes();
        return libc > 0 ? libc : DEFAULT_LLC_BYTES;
    }

    /** "32768K", "32M", "1024" (bytes) as bytes; -1 when unreadable. */
    static long cacheSize(String s) {
        if (s.isEmpty()) return -1;
        char u = Character.toUpperCase(s.charAt(s.length() - 1));
        long mul = u == 'K' ? 1L << 10 : u == 'M' ? 1L << 20 : u == 'G' ? 1L << 30 : 1;
        try {
            return Long.parseLong(mul == 1 ? s : s.substring(0, s.length() - 1)) * mul;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The line info and bench print. */
    synchronized String summary() {
        if (mode() == KernelTuning.OFF) {
            return "off (-D" + KernelTuning.PROPERTY + "=off): built-in weight streams (" + StreamChoice.BUILT_IN.describe() + ")";
        }
        String head = mode.cliName + ", transparent huge pages " + hugePages() + ", cache " + cache().file();
        List<String> parts = new ArrayList<>();
        if (!chosen.isEmpty()) {
            chosen.forEach((s, c) -> parts.add(String.format(Locale.ROOT, "%s %s (%s, %.2fx built-in)", s.describe(),
                    c.choice().describe(), c.cached() ? "cached" : "timed now", c.speedup())));
            return head + ": " + String.join("; ", parts);
        }
        String isa = Isa.ofCode(CpuNative.tn_isa_active()).cliName;
        int threads = CpuNative.tn_num_threads();
        for (TuningCache.Entry e : cache().read()) {
            if (e.isa().equals(isa) && e.threads() == threads) {
                e.choice().ifPresent(c -> parts.add(e.describeShape() + " " + c.describe()));
            }
        }
        if (parts.isEmpty()) return head + ": nothing chosen yet for " + isa + " and " + threads + " threads (a load times its shapes)";
        return head + ", for " + isa + " and " + threads + " threads: " + String.join("; ", parts);
    }

    /**
     * The kernel's transparent-huge-page mode (the bracketed word of its setting): the weights are
     * advised MADV_HUGEPAGE, which takes effect under "always" and "madvise", not under "never".
     */
    static String hugePages() {
        try {
            String s = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            int a = s.indexOf('['), b = s.indexOf(']');
            return a >= 0 && b > a ? s.substring(a + 1, b) : s.trim();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The CPU model as /proc/cpuinfo names it (with family, model and stepping on x86), else the architecture. */
    static String cpuModel() {
        Map<String, String> f = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.isBlank()) break;  // the first processor's block
                int c = line.indexOf(':');
                if (c > 0) f.putIfAbsent(line.substring(0, c).trim(), line.substring(c + 1).trim());
            }
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
        if (f.containsKey("model name")) {
            return f.get("model name") + " (family " + f.getOrDefault("cpu family", "?") + " model "
                    + f.getOrDefault("model", "?") + " stepping " + f.getOrDefault("stepping", "?") + ")";
        }
        if (f.containsKey("CPU part")) {
            return "arm implementer " + f.getOrDefault("CPU implementer", "?") + " part " + f.get("CPU part") + " variant "
                    + f.getOrDefault("CPU variant", "?");
        }
        return System.getProperty("os.arch");
    }
}
