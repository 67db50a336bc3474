package org.tramontane.cli;

import java.io.PrintWriter;
import org.tramontane.config.UserException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar tramontane.jar VERB ...}. Exit codes: 0 ok, 2 usage error, 1 failure with one
 * line on stderr (a stack trace only with {@code --verbose}). The only place that calls System.exit.
 */
@Command(name = "tramontane", mixinStandardHelpOptions = true, version = "tramontane 0.1.0",
        description = "Mixtral mixture-of-experts inference (CPU kernels; Ascend later).",
        subcommands = {GenerateCommand.class, ChatCommand.class, TokenizeCommand.class, InfoCommand.class,
                RunPaCommand.class, QuantizeCommand.class, ConvertCommand.class, ModelTestCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; used by main and by tests. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        if (!NativeSetup.apply(err)) return 2;
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        // a usage error is one line naming the argument, like every other error; --help has the rest
        cl.setParameterExceptionHandler((ex, badArgs) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("error: " + ex.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = parsed.hasMatchedOption("--verbose");
            if (verbose) ex.printStackTrace(err);
            if (ex instanceof UserException || ex instanceof IllegalArgumentException
                    || ex instanceof UnsupportedOperationException) {
                err.println("error: " + ex.getMessage());
                return 1;
            }
            if (!verbose) err.println("error: " + ex + " (run with --verbose for the stack trace)");
            return 1;
        });
        return cl.execute(args);
    }
}
