package org.tramontane.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.backend.cpu.StreamChoice.Prefetch;
import org.tramontane.backend.cpu.StreamChoice.Split;
import org.tramontane.config.DType;

/** The cache file: round trip, one entry per key, other CPUs and versions ignored, bad files survived. */
class TuningCacheTest {
    @TempDir
    Path dir;

    private static final StreamShape QKV = new StreamShape(DType.BF16, 1536, 1024);
    private static final StreamChoice T0 = new StreamChoice(Prefetch.T0, 1024, 1, 32, Split.SHARES);

    private TuningCache cache(String cpu) {
        return new TuningCache(TuningCache.fileFor(dir, cpu), cpu);
    }

    private static TuningCache.Entry entry(String isa, int threads, StreamShape s, StreamChoice c, double ns) {
        return TuningCache.Entry.of(isa, threads, s, new StreamTuner.Result(c, ns, 2 * ns));
    }

    @Test
    void anEntryComesBackForItsKeyOnly() {
        TuningCache c = cache("Some CPU (family 6 model 143 stepping 8)");
        assertTrue(c.put(entry("avx512", 2, QKV, T0, 100)));
        assertEquals(Optional.of(T0), c.find("avx512", 2, QKV).flatMap(TuningCache.Entry::choice));
        assertEquals(2.0, c.find("avx512", 2, QKV).orElseThrow().builtInNsPerCall() / 100);
        assertTrue(c.find("avx2", 2, QKV).isEmpty());
        assertTrue(c.find("avx512", 1, QKV).isEmpty());
        assertTrue(c.find("avx512", 2, new StreamShape(DType.BF16, 1024, 1536)).isEmpty());
        assertTrue(c.find("avx512", 2, new StreamShape(DType.F16, 1536, 1024)).isEmpty());
        assertTrue(cache("Another CPU").find("avx512", 2, QKV).isEmpty(), "another model's file");
    }

    @Test
    void aSecondPutReplacesTheEntryAndKeepsTheOthersWithNoTemporaryFileLeft() throws Exception {
        TuningCache c = cache("cpu a");
        StreamShape o = new StreamShape(DType.BF16, 1024, 1024);
        c.put(entry("avx512", 2, QKV, StreamChoice.BUILT_IN, 100));
        c.put(entry("avx512", 2, o, T0, 50));
        c.put(entry("avx512", 2, QKV, T0, 90));
        assertEquals(2, c.read().size());
        assertEquals(Optional.of(T0), c.find("avx512", 2, QKV).flatMap(TuningCache.Entry::choice));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(c.file()), files.toList());
        }
    }

    @Test
    void aCorruptFileOrAnotherVersionCountsAsEmptyAndIsRewritten() throws Exception {
        TuningCache c = cache("cpu b");
        Files.writeString(c.file(), "{not json");
        assertTrue(c.read().isEmpty());
        assertTrue(c.put(entry("avx2", 2, QKV, T0, 10)));
        assertEquals(1, c.read().size());
        Files.writeString(c.file(), Files.readString(c.file()).replace("\"version\" : " + TuningCache.VERSION,
                "\"version\" : " + (TuningCache.VERSION + 1)));
        assertTrue(c.read().isEmpty(), Files.readString(c.file()));
        // a field this build does not know: no choice, not an error
        c.put(new TuningCache.Entry("avx2", 2, "bf16", 16, 16, "t9", 0, 2, 32, "items", 1, 1));
        assertTrue(c.find("avx2", 2, new StreamShape(DType.BF16, 16, 16)).orElseThrow().choice().isEmpty());
    }

    @Test
    void theFileIsNamedAfterTheCpuModel() {
        assertEquals(dir.resolve("tuning-amd-epyc-family-25-model-17-stepping-1.json"),
                TuningCache.fileFor(dir, "AMD EPYC (family 25 model 17 stepping 1)"));
        assertEquals(dir.resolve("tuning-cpu.json"), TuningCache.fileFor(dir, "()"));
    }

    @Test
    void anUnwritableDirectoryIsNotAnError() throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        TuningCache c = new TuningCache(file.resolve("tuning-x.json"), "x");
        assertEquals(false, c.put(entry("avx2", 2, QKV, T0, 10)));
        assertTrue(c.read().isEmpty());
    }
}
