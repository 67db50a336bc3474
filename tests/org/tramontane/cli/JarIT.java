package org.tramontane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tramontane.testing.Fixtures;

/** The packaged jar and run_pa.sh as a user or script runs them: no JVM flags, fresh process. */
class JarIT {
    record Proc(int code, String out, String err) {
    }

    static Proc exec(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(Path.of(System.getProperty("tramontane.basedir", ".")).toFile());
        for (String v : new String[] {"ASCEND_RT_VISIBLE_DEVICES", "ASCEND_TOOLKIT_HOME", "BACKEND"}) {
            pb.environment().remove(v);
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
        return new Proc(p.exitValue(), out, err);
    }

    static Proc jar(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", System.getProperty("tramontane.jar")));
        cmd.addAll(List.of(args));
        return exec(Map.of(), cmd.toArray(String[]::new));
    }

    @Test
    void helpFromTheJar() throws Exception {
        Proc p = jar("--help");
        assertEquals(0, p.code(), p.err());
        for (String verb : new String[] {"generate", "chat", "tokenize", "info", "run-pa"}) {
            assertTrue(p.out().contains(verb), p.out());
        }
    }

    @Test
    void generateJsonFromTheJar() throws Exception {
        Proc p = jar("generate", "--model", Fixtures.dir("tiny-mixtral").toString(), "--dtype", "fp32",
                "--input-ids", "1,22557,1526", "--max-output-length", "4", "--output-format", "json");
        assertEquals(0, p.code(), p.err());
        JsonNode out = new ObjectMapper().readTree(p.out()).get("outputs").get(0);
        assertEquals("[9592,8095,28970,18564]", out.get("output_ids").toString());
    }

    @Test
    void runPaShDemoAndEnvironment() throws Exception {
        Proc p = exec(Map.of(), "bash", "run_pa.sh");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("Answer[0]: "), p.out());
        assertTrue(p.out().contains("Generate[0] token num: 10"), p.out());
        Proc q = exec(Map.of("MAX_OUTPUT_LENGTH", "3", "IS_CHAT_MODEL", "false"), "bash", "run_pa.sh",
                Fixtures.dir("tiny-mixtral").toString(), "--trust_remote_code");
        assertEquals(0, q.code(), q.err());
        assertTrue(q.out().contains("Generate[0] token num: 3"), q.out());
        // MindIE's convention: the world size is the number of visible devices
        Proc tp = exec(Map.of("ASCEND_RT_VISIBLE_DEVICES", "0,1,2,3", "MAX_OUTPUT_LENGTH", "3", "IS_CHAT_MODEL", "false"),
                "bash", "run_pa.sh", Fixtures.dir("tiny-mixtral").toString());
        assertEquals(0, tp.code(), tp.err());
        assertTrue(tp.out().contains("Generate[0] token num: 3"), tp.out());
        Proc bad = exec(Map.of("ASCEND_RT_VISIBLE_DEVICES", "0,1,2"), "bash", "run_pa.sh", Fixtures.dir("tiny-mixtral").toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--world-size 3"), bad.err());
    }

    /** As MindIE's: on the NPUs once the CANN environment is sourced, never silently on the CPU there. */
    @Test
    void runPaShChoosesTheBackend() throws Exception {
        String model = Fixtures.dir("tiny-mixtral-8h").toString();
        Proc sim = exec(Map.of("ASCEND_RT_VISIBLE_DEVICES", "0,1", "BACKEND", "ascend-sim", "MAX_OUTPUT_LENGTH", "3"),
                "bash", "run_pa.sh", model, "--dtype", "fp16");
        assertEquals(0, sim.code(), sim.err());
        assertTrue(sim.out().contains("Generate[0] token num: 3"), sim.out());
        // CANN sourced but this jar built without -Pascend: one line saying how to set up, exit 1
        Proc npu = exec(Map.of("ASCEND_TOOLKIT_HOME", "/nonexistent"), "bash", "run_pa.sh", model, "--dtype", "fp16");
        assertEquals(1, npu.code(), npu.out());
        assertTrue(npu.err().contains("--backend ascend") && npu.err().contains("set_env.sh"), npu.err());
        assertTrue(!npu.err().contains("\tat "), npu.err());
        Proc cpu = exec(Map.of("ASCEND_TOOLKIT_HOME", "/nonexistent", "MAX_OUTPUT_LENGTH", "2"), "bash", "run_pa.sh", model,
                "--backend", "cpu");
        assertEquals(0, cpu.code(), cpu.err());
        assertTrue(cpu.out().contains("Generate[0] token num: 2"), cpu.out());
    }
}
