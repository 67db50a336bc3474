package org.tramontane.backend.ascend;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.tramontane.backend.Isa;
import org.tramontane.backend.Platform;

/**
 * The ascend backends' platform. Their host-side work (dummy weights, the simulator's operators)
 * runs on the host's native thread pool, so the thread count is the host platform's. The compute
 * is the device's: it has no host ISA level, no probe measures it and no counter sees its weight
 * traffic, so those answers are empty rather than the host CPU's figures.
 */
public final class AscendPlatform implements Platform {
    private final Platform host;

    public AscendPlatform(Platform host) {
        this.host = host;
    }

    @Override
    public int threads() {
        return host.threads();
    }

    @Override
    public int setThreads(int numThreads) {
        return host.setThreads(numThreads);
    }

    @Override
    public Optional<Isa> activeIsa() {
        return Optional.empty();
    }

    @Override
    public List<Isa> supportedIsas() {
        return List.of();
    }

    @Override
    public void forceIsa(Isa level) {
        throw new IllegalArgumentException("the ascend backends have no host ISA level to force (" + level.cliName + ")");
    }

    @Override
    public OptionalDouble peakOpsPerSecond(Peak kind, int millis, int repeats) {
        return OptionalDouble.empty();
    }

    @Override
    public OptionalDouble readBandwidth(long bytes, int repeats) {
        return OptionalDouble.empty();
    }

    @Override
    public OptionalLong weightBytesRead() {
        return OptionalLong.empty();
    }
}
