package org.tramontane.corpus;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.backend.BackendKind;
import org.tramontane.backend.Isa;

/** What only a real process has: environment variables, JVM properties and run_pa.sh's own parsing. */
class EnvCorpusTest {
    /** A command line run as a process with {@code env} added to its environment. */
    record ProcessCase(Case expected, Map<String, String> env, List<String> command) {
        @Override
        public String toString() {
            return expected.name();
        }
    }

    static List<String> java(List<String> jvmArgs, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.tramontane.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static List<String> runPa(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash",
                Path.of(System.getProperty("tramontane.basedir", ".")).resolve("run_pa.sh").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static ProcessCase of(String name, int code, Map<String, String> env, List<String> command, String... mentions) {
        return new ProcessCase(new Case(name, code, d -> new String[0], mentions), env, command);
    }

    static Stream<ProcessCase> cases() {
        String tiny = FlagsCorpusTest.tiny();
        String[] gen = {"generate", "--model", tiny, "--input-ids", "1,2", "--max-output-length", "2"};
        // the tiles where the CPU lacks them (or Linux withholds them), else another architecture's level
        String unsupported = BackendKind.CPU.platform().supportedIsas().contains(Isa.AMX) ? Isa.NEON.cliName : Isa.AMX.cliName;
        return Stream.of(
                of("ASCEND_RT_VISIBLE_DEVICES of 3 devices", 2, Map.of("ASCEND_RT_VISIBLE_DEVICES", "0,1,2"), java(List.of(), gen),
                        "ASCEND_RT_VISIBLE_DEVICES"),
                of("ASCEND_RT_VISIBLE_DEVICES of 16 devices", 2, Map.of("ASCEND_RT_VISIBLE_DEVICES",
                        "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15"), java(List.of(), gen), "ASCEND_RT_VISIBLE_DEVICES"),
                of("-Dtramontane.cpu.isa=bogus", 2, Map.of(), java(List.of("-Dtramontane.cpu.isa=bogus"), gen), "tramontane.cpu.isa"),
                of("-Dtramontane.cpu.isa=" + unsupported + " (a level this CPU does not run)", 2, Map.of(),
                        java(List.of("-Dtramontane.cpu.isa=" + unsupported), gen), "tramontane.cpu.isa", unsupported),
                of("-Dtramontane.cpu.tune=bogus", 2, Map.of(), java(List.of("-Dtramontane.cpu.tune=bogus"), gen), "tramontane.cpu.tune"),
                of("TRAMONTANE_FAULT of an unknown op", 1, Map.of("TRAMONTANE_FAULT", "rank:0,op:bcast,call:1"), java(List.of(), gen),
                        "TRAMONTANE_FAULT", "bcast"),
                of("TRAMONTANE_FAULT of a rank outside the group", 1, Map.of("TRAMONTANE_FAULT", "rank:1,op:allreduce,call:1"),
                        java(List.of(), gen), "TRAMONTANE_FAULT", "world size 1"),
                of("run_pa.sh --input_text without a value", 2, Map.of(), runPa("--input_text"), "--input_text"),
                of("run_pa.sh --max_output_length without a value", 2, Map.of(), runPa("--max_output_length"), "--max_output_length"),
                of("run_pa.sh --world_size without a value", 2, Map.of(), runPa("--world_size"), "--world_size"),
                of("run_pa.sh unknown option", 2, Map.of(), runPa("--frobnicate"), "--frobnicate"),
                of("run_pa.sh two weight paths", 2, Map.of(), runPa("a", "b"), "WEIGHT_PATH"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(ProcessCase c) throws Exception {
        Corpus.Outcome o = Corpus.exec(c.command(), c.env());
        String err = o.err().strip();
        // run_pa.sh's own messages start with its name, the jar's with "error:"
        Corpus.assertRefused(c.expected(), err.startsWith("run_pa.sh: ") ? new Corpus.Outcome(o.code(), o.out(),
                "error: " + err.substring("run_pa.sh: ".length())) : o);
    }
}
