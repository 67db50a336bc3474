package org.tramontane.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.backend.KernelTuning;
import org.tramontane.config.DType;
import org.tramontane.config.Precision;

/**
 * The tuner end to end on a real weight: a fresh run times the shape and writes the cache, a
 * cached run reads it without timing, off leaves the built-in streams, small weights and models
 * smaller than twice the last-level cache are skipped. No speed is asserted (the machine may be
 * loaded); what the timings chose is only recorded.
 */
class CpuTunerTest {
    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        CpuNative.tn_clear_stream_choices();
    }

    /** A bf16 panel weight of 2 MiB: [1024, 1024]. */
    private static CpuTensor weight(CpuBackend b) {
        CpuTensor t = (CpuTensor) b.randomWeight(DType.BF16, org.tramontane.backend.RandomRef.whole(11L, 0.02f, 1024, 1024));
        CpuChecks.check(CpuNative.tn_pack_panels(t.addr(), DType.BF16.code, 1, 1024, 1024), "pack_panels");
        return t;
    }

    @Test
    void aFreshRunTimesAndCachesACachedRunReadsAndOffDoesNothing() {
        assumeTrue(CpuNative.tn_stream_tunable(DType.BF16.code) == 1, "the active level has no stream kernels");
        StreamShape shape = new StreamShape(DType.BF16, 1024, 1024);
        try (CpuBackend b = new CpuBackend(Precision.BF16)) {
            CpuTensor w = weight(b);
            // the rest of a "model": enough bytes for the timing runs to read past the cache
            long fill = Math.max(2 * CpuTuner.llcBytes(), CpuTuner.MIN_REGION_BYTES);
            CpuTensor rest = (CpuTensor) b.allocate(DType.BF16, fill / 2);
            long[] regions = {w.addr(), w.byteSize(), rest.addr(), rest.byteSize()};
            CpuTuner fresh = new CpuTuner(KernelTuning.FRESH, dir);
            fresh.prepare(w, new long[] {w.addr(), w.byteSize()});
            assertTrue(fresh.chosen().isEmpty(), "2 MiB of weights run from cache: nothing to tune");
            fresh.prepare(w, regions);
            CpuTuner.Chosen timed = fresh.chosen().get(shape);
            assertFalse(timed.cached());
            assertTrue(timed.speedup() > 0);
            assertTrue(fresh.summary().contains("bf16 1024x1024 " + timed.choice().describe() + " (timed now"), fresh.summary());

            CpuNative.tn_clear_stream_choices();
            CpuTuner cached = new CpuTuner(KernelTuning.CACHED, dir);
            assertTrue(cached.summary().contains("bf16 1024x1024 " + timed.choice().describe()), cached.summary());
            cached.prepare(w, regions);
            assertEquals(new CpuTuner.Chosen(timed.choice(), true, timed.speedup()), cached.chosen().get(shape));
            try (CpuNative.StreamChoiceStruct probe = new CpuNative.StreamChoiceStruct()) {
                // the native table holds it again: setting the same shape replaces, never adds
                assertEquals(CpuNative.TN_OK, CpuNative.tn_set_stream_choice(DType.BF16.code, 1024, 1024,
                        timed.choice().into(probe)));
            }

            CpuTuner off = new CpuTuner(KernelTuning.OFF, dir);
            off.prepare(w, regions);
            assertTrue(off.chosen().isEmpty());
            assertTrue(off.summary().startsWith("off"), off.summary());
        }
    }

    @Test
    void smallWeightsAreNotTuned() {
        try (CpuBackend b = new CpuBackend(Precision.BF16)) {
            CpuTensor t = (CpuTensor) b.randomWeight(DType.BF16, org.tramontane.backend.RandomRef.whole(1L, 0.02f, 64, 64));
            CpuTensor rest = (CpuTensor) b.allocate(DType.BF16, CpuTuner.MIN_REGION_BYTES);
            CpuTuner fresh = new CpuTuner(KernelTuning.FRESH, dir);
            fresh.prepare(t, new long[] {t.addr(), t.byteSize(), rest.addr(), rest.byteSize()});
            assertTrue(fresh.chosen().isEmpty());
        }
    }

    @Test
    void theNativeTableRefusesWhatTheKernelsCannotTake() {
        try (CpuNative.StreamChoiceStruct c = StreamChoice.BUILT_IN.into(new CpuNative.StreamChoiceStruct())) {
            assertEquals(CpuNative.TN_E_ARG, CpuNative.tn_set_stream_choice(DType.BF16.code, 0, 16, c));
            assertEquals(CpuNative.TN_E_ARG, CpuNative.tn_set_stream_choice(99, 16, 16, c));
            assertEquals(CpuNative.TN_E_ARG, CpuNative.tn_set_stream_choice(DType.BF16.code, 16, 16, c.streams(3)));
            assertEquals(CpuNative.TN_E_ARG, CpuNative.tn_set_stream_choice(DType.BF16.code, 16, 16, c.streams(2).block_rows(40)));
            double[] ns = new double[1];
            c.block_rows(32);
            // regions too small for one window, or none
            assertEquals(CpuNative.TN_E_ARG, CpuNative.tn_time_stream(DType.BF16.code, 16, 16, new long[] {64, 16, 128, 511},
                    2, c, 1, 1, ns));
            assertEquals(CpuNative.TN_E_ARG, CpuNative.tn_time_stream(DType.BF16.code, 16, 16, new long[] {64, 4096}, 0, c, 1,
                    1, ns));
            if (CpuNative.tn_stream_tunable(DType.BF16.code) == 0) {  // scalar, NEON: nothing to time, refused
                assertEquals(CpuNative.TN_E_ARG, CpuNative.tn_time_stream(DType.BF16.code, 16, 64, new long[] {64, 1 << 20},
                        1, c, 1, 1, ns));
            }
        }
    }

    @Test
    void cacheSizesReadAsSysfsWritesThem() {
        assertEquals(32L << 20, CpuTuner.cacheSize("32768K"));
        assertEquals(32L << 20, CpuTuner.cacheSize("32M"));
        assertEquals(1024, CpuTuner.cacheSize("1024"));
        assertEquals(-1, CpuTuner.cacheSize("lots"));
        assertTrue(CpuTuner.llcBytes() > 0);
    }

    @Test
    void theTimingRunsReadEveryRegion() {
        assumeTrue(CpuNative.tn_stream_tunable(DType.BF16.code) == 1, "the active level has no stream kernels");
        try (CpuBackend b = new CpuBackend(Precision.BF16);
                CpuNative.StreamChoiceStruct c = StreamChoice.BUILT_IN.into(new CpuNative.StreamChoiceStruct())) {
            CpuTensor a = (CpuTensor) b.allocate(DType.BF16, 16 * 64);
            CpuTensor z = (CpuTensor) b.allocate(DType.BF16, 3 * 16 * 64);
            double[] ns = new double[1];
            // a region too short for a window is passed over, the others taken in turn
            assertEquals(CpuNative.TN_OK, CpuNative.tn_time_stream(DType.BF16.code, 16, 64,
                    new long[] {a.addr(), a.byteSize(), z.addr(), 100, z.addr(), z.byteSize()}, 3, c, 7, 2, ns));
            assertTrue(ns[0] > 0);
        }
    }
}
