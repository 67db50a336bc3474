package org.tramontane.backend;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What a backend runs on, as the layers above see it: its host threads, the instruction-set level
 * of its kernels, the machine-limit probes and the weight-traffic counter. Reached through
 * {@link BackendKind#platform()}, so that {@code engine}, {@code bench} and {@code cli} never name
 * a backend's classes. A backend reports only what it measures: where a probe or counter has no
 * meaning for its device the answer is empty, never the host CPU's figure.
 */
public interface Platform {

    /** The instruction families {@link #peakOpsPerSecond} can measure. */
    enum Peak {
        /** f32 fused multiply-add (the widest vectors the active ISA level uses). */
        FP32_FMA,
        /** bf16 dot products (AVX512-BF16 vdpbf16ps). */
        BF16_DOT,
        /** int8 dot products (VNNI vpdpbusd); a multiply and an add per product. */
        INT8_VNNI,
        /** bf16 tile products (AMX TDPBF16PS); measured only while the {@link Isa#AMX} level is active. */
        AMX_BF16,
        /** int8 tile products (AMX TDPBSSD), a multiply and an add each; only while {@link Isa#AMX} is active. */
        AMX_INT8
    }

    /** Threads of the host pool the backend's kernels (or its host-side work) run on. */
    int threads();

    /** Sizes that pool ({@code 0}: one per core); returns the size now in use. */
    int setThreads(int numThreads);

    /** The ISA level the kernels run at now; empty for a backend whose compute is a device. */
    Optional<Isa> activeIsa();

    /** The levels this machine can run, lowest first; empty for a device backend. */
    List<Isa> supportedIsas();

    /**
     * What keeps this machine's highest level below what its CPU has (an extension the OS withholds), for
     * {@code info}; empty when nothing does.
     */
    default Optional<String> isaLimit() {
        return Optional.empty();
    }

    /**
     * Runs the kernels at {@code level} from now on (tests, {@code -Dtramontane.cpu.isa}).
     *
     * @throws IllegalArgumentException when {@code level} is not in {@link #supportedIsas()}
     */
    void forceIsa(Isa level);

    /**
     * Peak rate of one instruction family on every pool thread at once, best of {@code repeats}
     * runs of about {@code millis} ms; empty when the machine lacks it or the backend has no probe.
     */
    OptionalDouble peakOpsPerSecond(Peak kind, int millis, int repeats);

    /** Read bandwidth in bytes/s of the pool streaming {@code bytes}, best of repeats; empty: no probe. */
    OptionalDouble readBandwidth(long bytes, int repeats);

    /** Running total of weight bytes the kernels have streamed; empty where nothing counts them. */
    OptionalLong weightBytesRead();

    /** Sets whether the kernels are tuned at load ({@link KernelTuning}); a backend without variants ignores it. */
    default void setKernelTuning(KernelTuning mode) {}

    /** One line for {@code info} and {@code bench}: the kernel variants chosen on this machine; empty: none to choose. */
    default Optional<String> kernelTuning() {
        return Optional.empty();
    }

    /**
     * Running total of nanoseconds spent inside the attention kernel (prefill and decode, every layer),
     * summed over the threads that call it; empty where nothing counts it.
     */
    default OptionalLong attentionNanos() {
        return OptionalLong.empty();
    }
}
