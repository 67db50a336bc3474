package org.tramontane.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Flag checks: each failure is a usage error (exit 2) of the verb, naming the flag. */
final class Flags {
    private Flags() {}

    /** {@code value} when it is at least {@code min}, else a usage error naming {@code flag}. */
    static int atLeast(CommandSpec spec, String flag, int value, int min) {
        if (value < min) throw usage(spec, flag + " must be >= " + min + " (got " + value + ")");
        return value;
    }

    static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
