package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.tramontane.config.ConfigException;
import org.tramontane.testing.Fixtures;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The four kinds of failure and how {@link Main} reports each: a user error (one line, exit 1), a
 * usage error (exit 2), an internal error (one line saying so, exit 1, a trace only with --verbose),
 * and an Error such as OutOfMemoryError, which picocli itself passes on.
 */
class MainErrorsTest {
    /** A verb that fails as told, so each kind of failure is seen through the real handlers. */
    @Command(name = "fail")
    static final class Fail implements Callable<Integer> {
        @Option(names = "--with", required = true)
        String with;

        @Override
        public Integer call() {
            switch (with) {
                case "user" -> throw new ConfigException("config.json: missing key 'hidden_size'");
                case "iae" -> throw new IllegalArgumentException("rank 3 of 2");
                case "uoe" -> throw new UnsupportedOperationException("not wired");
                case "oom" -> throw new OutOfMemoryError("Java heap space");
                case "soe" -> throw new StackOverflowError();
                default -> {
                    return 0;
                }
            }
        }
    }

    record Result(int code, String out, String err) {
        /** stderr's lines, without the trailing newline. */
        String[] errLines() {
            return err.strip().split("\\R");
        }
    }

    private static Result runFail(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
        cl.addSubcommand(new Fail());
        // a subcommand added later writes to System.err unless told again
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = Main.execute(cl, args);
        return new Result(code, out.toString(), err.toString());
    }

    private static Result run(String... args) {
        CliTest.Result r = CliTest.run(args);
        return new Result(r.code(), r.out(), r.err());
    }

    private static void assertOneLine(Result r, int code, String prefix) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.errLines().length, "one line: " + r.err());
        assertTrue(r.err().startsWith(prefix), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void userErrorIsOneLineExitOne() {
        Result r = runFail("fail", "--with", "user");
        assertOneLine(r, 1, "error: config.json: missing key 'hidden_size'");
        assertOneLine(run("generate", "--model", "/nonexistent/model", "--input-ids", "1"), 1, "error: /nonexistent/model");
    }

    @Test
    void userErrorShowsItsTraceOnlyWithVerbose() {
        Result r = runFail("fail", "--with", "user", "--verbose");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: config.json"), r.err());
        assertTrue(r.err().contains("\tat org.tramontane.cli.MainErrorsTest$Fail.call"), r.err());
    }

    @Test
    void flagChecksAreUsageErrorsExitTwo() {
        String tiny = Fixtures.dir("tiny-mixtral").toString();
        for (String[] bad : new String[][] {
                {"--block-size", "0"}, {"--num-blocks", "-1"}, {"--max-batch-size", "0"}, {"--max-num-batched-tokens", "0"},
                {"--top-k", "-1"}, {"--top-p", "0"}, {"--temperature", "-1"}, {"--max-output-length", "0"},
                {"--world-size", "0"}, {"--world-size", "3"}, {"--threads", "-1"}, {"--dtype", "fp64"},
                {"--backend", "gpu"}, {"--load-format", "gguf"}, {"--output-format", "xml"}}) {
            String[] args = {"generate", "--model", tiny, "--input-ids", "1", bad[0], bad[1]};
            Result r = run(args);
            assertOneLine(r, 2, "error: ");
            assertTrue(r.err().contains(bad[0]), "names the flag: " + r.err());
        }
        assertOneLine(runFail("fail"), 2, "error: Missing required option: '--with=<with>'");
    }

    @Test
    void flagValuesTakeTheDocumentedSpellings() {
        String preset = java.nio.file.Path.of(System.getProperty("tramontane.basedir", "."))
                .resolve("configs/mixtral-demo.json").toString();
        Result r = run("run-pa", "--config", preset, "--load-format", "DUMMY", "--dtype", "float32", "--backend", "CPU",
                "--max-output-length", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(FP32)"), r.out());
        assertTrue(r.out().contains("Generate[0] token num: 2"), r.out());
        assertTrue(run("generate", "--help").out().contains("fp32, fp16, bf16"));
        assertTrue(run("generate", "--help").out().contains("cpu, ascend, ascend-sim"));
    }

    @Test
    void internalErrorSaysSoWithTheVerboseHint() {
        for (String kind : new String[] {"iae", "uoe"}) {
            Result r = runFail("fail", "--with", kind);
            assertOneLine(r, 1, "internal error: java.lang.");
            assertTrue(r.err().contains("(run with --verbose for the stack trace)"), r.err());
        }
    }

    @Test
    void internalErrorPrintsItsTraceWithVerbose() {
        Result r = runFail("fail", "--with", "iae", "--verbose");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("internal error: java.lang.IllegalArgumentException: rank 3 of 2"), r.err());
        assertFalse(r.err().contains("--verbose for"), r.err());
        assertTrue(r.err().contains("\tat org.tramontane.cli.MainErrorsTest$Fail.call"), r.err());
    }

    @Test
    void errorsSuchAsOutOfMemoryAreInternalErrors() {
        Result oom = runFail("fail", "--with", "oom");
        assertOneLine(oom, 1, "internal error: java.lang.OutOfMemoryError: Java heap space");
        assertTrue(oom.err().contains("--verbose"), oom.err());
        assertOneLine(runFail("fail", "--with", "soe"), 1, "internal error: java.lang.StackOverflowError");
        Result verbose = runFail("fail", "--with", "oom", "--verbose");
        assertTrue(verbose.err().contains("\tat org.tramontane.cli.MainErrorsTest$Fail.call"), verbose.err());
    }

    @Test
    void badIsaPropertyIsOneLine() {
        String saved = System.getProperty("tramontane.cpu.isa");
        System.setProperty("tramontane.cpu.isa", "bogus");
        try {
            assertOneLine(run("info", "--help"), 2, "error: -Dtramontane.cpu.isa must be");
        } finally {
            if (saved == null) System.clearProperty("tramontane.cpu.isa");
            else System.setProperty("tramontane.cpu.isa", saved);
        }
    }
}
