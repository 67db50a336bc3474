package org.tramontane.bench;

import java.util.OptionalDouble;
import org.tramontane.backend.Platform;

/**
 * The machine's limits, measured by the native probes on the same thread pool the model runs on.
 * A peak the CPU lacks (no AVX512-BF16, no VNNI) is null; a backend without probes (a device)
 * reports 0 bandwidth and fp32 peak, which the ratios read as unmeasured.
 *
 * @param readBandwidthGbs best read bandwidth over the probe's passes, GB/s (1e9 bytes)
 * @param fp32PeakGflops   f32 FMA peak, GFLOP/s
 * @param bf16PeakGflops   vdpbf16ps peak, GFLOP/s, or null
 * @param int8PeakGops     vpdpbusd peak, GOP/s, or null
 * @param amxBf16PeakGflops AMX TDPBF16PS peak, GFLOP/s, or null unless the AMX level runs
 * @param amxInt8PeakGops   AMX TDPBSSD peak, GOP/s, or null unless the AMX level runs
 */
public record MachineLimits(int threads, double readBandwidthGbs, double fp32PeakGflops, Double bf16PeakGflops,
        Double int8PeakGops, Double amxBf16PeakGflops, Double amxInt8PeakGops) {

    /** Bytes of the bandwidth probe's array: far beyond any last-level cache. */
    public static final long PROBE_BYTES = 1L << 30;
    private static final int PEAK_MILLIS = 200;
    private static final int REPEATS = 3;

    public static MachineLimits measure(Platform platform) {
        double bw = platform.readBandwidth(PROBE_BYTES, REPEATS).orElse(0) / 1e9;
        double fp32 = platform.peakOpsPerSecond(Platform.Peak.FP32_FMA, PEAK_MILLIS, REPEATS).orElse(0) / 1e9;
        return new MachineLimits(platform.threads(), bw, fp32,
                giga(platform.peakOpsPerSecond(Platform.Peak.BF16_DOT, PEAK_MILLIS, REPEATS)),
                giga(platform.peakOpsPerSecond(Platform.Peak.INT8_VNNI, PEAK_MILLIS, REPEATS)),
                giga(platform.peakOpsPerSecond(Platform.Peak.AMX_BF16, PEAK_MILLIS, REPEATS)),
                giga(platform.peakOpsPerSecond(Platform.Peak.AMX_INT8, PEAK_MILLIS, REPEATS)));
    }

    /**
     * The better of two measurements, field by field: on a shared machine a probe that ran while
     * another process held a core under-reads the limit, so the run keeps the best it saw.
     */
    public MachineLimits best(MachineLimits o) {
        return new MachineLimits(threads, Math.max(readBandwidthGbs, o.readBandwidthGbs),
                Math.max(fp32PeakGflops, o.fp32PeakGflops), max(bf16PeakGflops, o.bf16PeakGflops),
                max(int8PeakGops, o.int8PeakGops), max(amxBf16PeakGflops, o.amxBf16PeakGflops),
                max(amxInt8PeakGops, o.amxInt8PeakGops));
    }

    private static Double max(Double a, Double b) {
        if (a == null) return b;
        if (b == null) return a;
        return Math.max(a, b);
    }

    private static Double giga(OptionalDouble v) {
        return v.isPresent() ? v.getAsDouble() / 1e9 : null;
    }
}
