package org.tramontane.backend.cpu;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.tramontane.backend.Isa;
import org.tramontane.backend.KernelTuning;
import org.tramontane.backend.Platform;

/**
 * The cpu backend's platform: the one native thread pool, the runtime-dispatched ISA level, the
 * register-only peak loops and the bandwidth probe (native/cpu/probes.cpp), and the kernels'
 * weight-byte counter. One per process, as the pool and the dispatch table are.
 */
public final class CpuPlatform implements Platform {
    private static final CpuPlatform INSTANCE = new CpuPlatform();

    private CpuPlatform() {}

    public static CpuPlatform get() {
        return INSTANCE;
    }

    @Override
    public int threads() {
        return CpuNative.tn_num_threads();
    }

    @Override
    public int setThreads(int numThreads) {
        if (numThreads < 0) throw new IllegalArgumentException("thread count " + numThreads + " is negative");
        return CpuNative.tn_set_threads(numThreads);
    }

    @Override
    public Optional<Isa> activeIsa() {
        return Optional.of(Isa.ofCode(CpuNative.tn_isa_active()));
    }

    /** The highest level this CPU runs. */
    public Isa highestIsa() {
        return Isa.ofCode(CpuNative.tn_isa_supported());
    }

    /** Whether this machine's AMX tiles back the {@link Isa#AMX} level, and why not where they do not. */
    public AmxState amxState() {
        return AmxState.ofCode(CpuNative.tn_amx_state());
    }

    @Override
    public Optional<String> isaLimit() {
        return switch (amxState()) {
            case OS_DISABLED -> Optional.of("the CPU has AMX, but the OS does not enable its tile state (XCR0):"
                    + " amx not offered");
            case REFUSED -> Optional.of("the CPU has AMX, but Linux refused the process its tile data"
                    + " (arch_prctl ARCH_REQ_XCOMP_PERM): amx not offered");
            case ABSENT, USABLE -> Optional.empty();
        };
    }

    @Override
    public List<Isa> supportedIsas() {
        return Isa.upTo(highestIsa());
    }

    @Override
    public void forceIsa(Isa level) {
        if (CpuNative.tn_set_isa(level.code) < 0) {
            throw new IllegalArgumentException("ISA level " + level.cliName + " is not supported by this CPU"
                    + " (highest: " + highestIsa().cliName + ")");
        }
    }

    @Override
    public OptionalDouble peakOpsPerSecond(Peak kind, int millis, int repeats) {
        double[] v = new double[1];
        CpuChecks.check(CpuNative.tn_probe_peak(peakCode(kind), millis, repeats, v), "probe_peak");
        return v[0] > 0 ? OptionalDouble.of(v[0]) : OptionalDouble.empty();
    }

    private static int peakCode(Peak kind) {
        return switch (kind) {
            case FP32_FMA -> CpuNative.TN_PEAK_FP32_FMA;
            case BF16_DOT -> CpuNative.TN_PEAK_BF16_DOT;
            case INT8_VNNI -> CpuNative.TN_PEAK_INT8_VNNI;
            case AMX_BF16 -> CpuNative.TN_PEAK_AMX_BF16;
            case AMX_INT8 -> CpuNative.TN_PEAK_AMX_INT8;
        };
    }

    @Override
    public OptionalDouble readBandwidth(long bytes, int repeats) {
        double[] v = new double[1];
        CpuChecks.check(CpuNative.tn_probe_read_bandwidth(bytes, repeats, v), "probe_read_bandwidth");
        return OptionalDouble.of(v[0]);
    }

    @Override
    public OptionalLong weightBytesRead() {
        return OptionalLong.of(CpuNative.tn_weight_bytes_read());
    }

    @Override
    public void setKernelTuning(KernelTuning mode) {
        CpuTuner.get().setMode(mode);
    }

    /** The decode streams chosen per weight shape (CpuTuner), or what the cache holds for this CPU. */
    @Override
    public Optional<String> kernelTuning() {
        return Optional.of(CpuTuner.get().summary());
    }

    @Override
    public OptionalLong attentionNanos() {
        return OptionalLong.of(CpuNative.tn_attention_nanos());
    }
}
