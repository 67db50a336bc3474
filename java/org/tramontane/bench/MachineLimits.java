package org.tramontane.bench;

import java.util.OptionalDouble;
import org.tramontane.backend.Platform;
import org.tramontane.config.ActivationQuant;
import org.tramontane.config.DType;
import org.tramontane.config.QuantScheme;

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

    /** Which probe's peak a prefill is measured against (JSON: {@code cliName}). */
    public enum PeakKind {
        FP32_FMA("fp32"), BF16_DOT("bf16"), INT8_DOT("int8"), AMX_BF16("amx-bf16"), AMX_INT8("amx-int8");

        public final String cliName;

        PeakKind(String cliName) {
            this.cliName = cliName;
        }
    }

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
     * The peak of the instructions a prefill's linears run on: int8 dot products for int8
     * activations (W8A8), where the CPU has them (else the fp32 FMA, as a rough guide: no probe
     * measures the int16 multiply-adds those kernels then use); the bf16 dot for {@code --dtype bf16}
     * where the CPU has it; else the fp32 FMA (float weights widened in registers, and W8A16's
     * dequantized ones). Where the AMX level runs, the tile peaks replace the dot products' (the AMX
     * peaks are measured only then).
     */
    public static PeakKind prefillPeakKind(MachineLimits m, DType dtype, QuantScheme quant) {
        if (quant != null && quant.activationMode == ActivationQuant.INT8_PER_TOKEN) {
            if (m.amxInt8PeakGops() != null) return PeakKind.AMX_INT8;
            return m.int8PeakGops() != null ? PeakKind.INT8_DOT : PeakKind.FP32_FMA;
        }
        if (dtype != DType.BF16) return PeakKind.FP32_FMA;
        if (m.amxBf16PeakGflops() != null) return PeakKind.AMX_BF16;
        return m.bf16PeakGflops() != null ? PeakKind.BF16_DOT : PeakKind.FP32_FMA;
    }

    /** That peak in G(FL)OP/s, or null where it is unmeasured. */
    public Double peakGops(PeakKind kind) {
        Double v = switch (kind) {
            case FP32_FMA -> fp32PeakGflops;
            case BF16_DOT -> bf16PeakGflops;
            case INT8_DOT -> int8PeakGops;
            case AMX_BF16 -> amxBf16PeakGflops;
            case AMX_INT8 -> amxInt8PeakGops;
        };
        return v != null && v > 0 ? v : null;
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
