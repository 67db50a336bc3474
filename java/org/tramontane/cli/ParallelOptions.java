package org.tramontane.cli;

import org.tramontane.engine.EngineException;
import picocli.CommandLine.Option;

/**
 * {@code --world-size}: when absent, the number of devices in ASCEND_RT_VISIBLE_DEVICES (MindIE's
 * convention), else 1. On the cpu backend the ranks run in-process, one thread each.
 */
final class ParallelOptions {
    @Option(names = "--world-size", paramLabel = "N",
            description = "Tensor-parallel ranks (default: devices in ASCEND_RT_VISIBLE_DEVICES, else 1).")
    Integer worldSize;

    int resolve() {
        int ws = worldSize != null ? worldSize : fromEnvironment();
        if (ws < 1) throw new EngineException("--world-size must be >= 1 (got " + ws + ")");
        return ws;
    }

    private static int fromEnvironment() {
        String devices = System.getenv("ASCEND_RT_VISIBLE_DEVICES");
        if (devices == null || devices.isBlank()) return 1;
        return devices.split(",").length;
    }
}
