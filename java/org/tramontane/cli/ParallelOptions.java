package org.tramontane.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.parallel.ParallelException;
import org.tramontane.parallel.ShardingPlan;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --world-size}: when absent, the number of devices in ASCEND_RT_VISIBLE_DEVICES (MindIE's
 * convention), else 1. On the cpu backend the ranks run in-process, one thread each.
 */
final class ParallelOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--world-size", paramLabel = "N",
            description = "Tensor-parallel ranks (default: devices in ASCEND_RT_VISIBLE_DEVICES, else 1; convert: 1).")
    Integer worldSize;

    /** The world size of a verb that runs the model: the flag, else the visible devices, else 1. */
    int resolve() {
        return Flags.atLeast(spec, "--world-size", worldSize != null ? worldSize : fromEnvironment(), 1);
    }

    /** The world size of a verb that only writes files: the flag, else 1. */
    int orOne() {
        return Flags.atLeast(spec, "--world-size", worldSize != null ? worldSize : 1, 1);
    }

    private static int fromEnvironment() {
        String devices = System.getenv("ASCEND_RT_VISIBLE_DEVICES");
        if (devices == null || devices.isBlank()) return 1;
        return devices.split(",").length;
    }

    /**
     * A world size the model in {@code configFile} cannot be split by is a usage error of the flag.
     * A missing or unreadable config is left to the loader, which names it as a user error.
     */
    static void checkSplits(CommandSpec spec, Path configFile, int worldSize) {
        if (worldSize == 1 || !Files.isRegularFile(configFile)) return;
        try {
            ShardingPlan.validate(MixtralConfigReader.read(configFile), worldSize);
        } catch (ParallelException e) {
            // without the flag the size may be the visible devices': name what the user set
            boolean flagGiven = spec.commandLine().getParseResult() != null
                    && spec.commandLine().getParseResult().hasMatchedOption("--world-size");
            boolean fromDevices = !flagGiven && spec.findOption("--world-size") != null && fromEnvironment() == worldSize;
            throw Flags.usage(spec, !fromDevices ? e.getMessage() : e.getMessage().replace("--world-size " + worldSize,
                    "the world size " + worldSize + " (the devices in ASCEND_RT_VISIBLE_DEVICES)"));
        }
    }
}
