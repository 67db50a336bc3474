package org.tramontane.cli;

import java.io.PrintWriter;
import java.util.List;
import org.tramontane.config.UserException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * {@code java -jar tramontane.jar VERB ...}. Exit codes: 0 ok; 2 a usage error (a flag's value or a
 * combination of flags); 1 a user error ({@link UserException}: one line naming the file, key or
 * flag) or an internal error (any other throwable, a bug of ours: one line saying so). Stack traces
 * only with {@code --verbose}. The only place that calls System.exit.
 */
@Command(name = "tramontane", mixinStandardHelpOptions = true, version = "tramontane 0.1.0",
        description = "Mixtral mixture-of-experts inference (CPU kernels; Ascend later).",
        subcommands = {GenerateCommand.class, ChatCommand.class, TokenizeCommand.class, InfoCommand.class,
                RunPaCommand.class, QuantizeCommand.class, ConvertCommand.class, ModelTestCommand.class,
                BenchCommand.class, ServeCommand.class, BenchServeCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; used by main and by tests. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        try {
            // a -D property naming no kernel level this CPU runs is a usage error, like a bad flag
            if (!NativeSetup.apply(err)) return EXIT_USAGE;
        } catch (Throwable t) {
            return report(t, List.of(args).contains("--verbose"), err);
        }
        return execute(commandLine(out, err), args);
    }

    /** The command tree with its error handling, writing to {@code out} and {@code err}. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        // a usage error is one line naming the argument, like every other error; --help has the rest
        cl.setParameterExceptionHandler((ex, badArgs) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("error: " + ex.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, verbose(parsed), err));
        return cl;
    }

    /** Runs {@code args} on {@code cl}; an Error out of a verb (picocli passes those on) is reported too. */
    static int execute(CommandLine cl, String[] args) {
        // --verbose also prints a device backend's per-step counters (DeviceCounters)
        if (List.of(args).contains("--verbose")) System.setProperty("tramontane.device.counters", "true");
        try {
            return cl.execute(args);
        } catch (Throwable t) {
            return report(t, List.of(args).contains("--verbose"), cl.getErr());
        }
    }

    /** Whether --verbose was given, at any level of the command line (it is inherited by every verb). */
    static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    private static int report(Throwable t, boolean verbose, PrintWriter err) {
        if (t instanceof UserException) {
            err.println("error: " + t.getMessage());
        } else if (t instanceof OutOfMemoryError) {
            // not a bug: the machine is too small for what the flags ask
            err.println("error: out of memory: " + t.getMessage());
        } else {
            err.println("internal error: " + t + (verbose ? "" : " (run with --verbose for the stack trace)"));
        }
        if (verbose) t.printStackTrace(err);
        err.flush();
        return EXIT_FAILURE;
    }
}
