package org.tramontane.backend.ascend.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tests/ascend/device-check.sh, as far as it runs without a device: its dry run, its argument
 * checks, shellcheck, and the whole device comparison (one layer, the tiny fixture) on ascend-sim
 * against the packaged jar. What stays for a CANN host: the -Pascend build and the conformance
 * probe over the installed headers (CannConformanceTest covers the probe on the project's own).
 */
class DeviceCheckScriptIT {
    private static final Path BASE = Path.of(System.getProperty("tramontane.basedir", "."));
    private static final Path SCRIPT = BASE.resolve("tests/ascend/device-check.sh");

    record Run(int exit, String output) {}

    private static Path fixtures() {
        String f = System.getProperty("tramontane.fixtures", "");
        assumeTrue(!f.isBlank() && Files.isDirectory(Path.of(f, "tiny-mixtral")), "fixtures not found, test skipped");
        return Path.of(f);
    }

    private static Run run(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(BASE.toFile());
        pb.environment().remove("ASCEND_TOOLKIT_HOME");
        pb.environment().remove("ATB_HOME_PATH");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    @Test
    void dryRunPrintsEveryStepAndTheReport() throws Exception {
        Run r = run(List.of("--dry-run", "--fixtures", fixtures().toString(), "--world-size", "2"));
        assertEquals(0, r.exit(), r.output());
        for (String want : List.of("mvn -B -Pascend package -DskipTests", "-Dtest=CannConformanceTest",
                "-Dascend.cann.headers=", "would run (one layer)", "--load-format dummy", "would run (tiny fixture)",
                "dry run: nothing was run", "world size 2", "CANN:", "chip:")) {
            assertTrue(r.output().contains(want), "dry run lacks '" + want + "':\n" + r.output());
        }
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        Path f = fixtures();
        assertEquals(2, run(List.of("--backend", "gpu", "--fixtures", f.toString())).exit());
        assertEquals(2, run(List.of("--world-size", "9", "--fixtures", f.toString())).exit());
        assertEquals(2, run(List.of("--fixtures", BASE.resolve("no-such-dir").toString())).exit());
        Run noCann = run(List.of("--fixtures", f.toString()));
        assertEquals(2, noCann.exit(), noCann.output());
        assertTrue(noCann.output().contains("set_env.sh --cxx_abi=1"), noCann.output());
    }

    @Test
    void shellcheckFindsNothing() throws Exception {
        boolean present = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            present |= Files.isExecutable(Path.of(dir, "shellcheck"));
        }
        assumeTrue(present, "shellcheck is not installed, test skipped");
        Process p = new ProcessBuilder("shellcheck", SCRIPT.toString(), BASE.resolve("native/ascend/build.sh").toString(),
                BASE.resolve("native/ascend/cann-version.sh").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
    }

    /** The device half of the script on the simulator: one layer and the tiny fixture against --backend cpu. */
    @Test
    void theSimulatorPassesTheDeviceChecks() throws Exception {
        Path jar = Path.of(System.getProperty("tramontane.jar", BASE.resolve("target/tramontane.jar").toString()));
        assumeTrue(Files.isRegularFile(jar), "no packaged jar, test skipped");
        Path out = BASE.resolve("target/device-check-sim");
        Run r = run(List.of("--backend", "ascend-sim", "--skip-build", "--skip-conformance", "--jar", jar.toString(),
                "--fixtures", fixtures().toString(), "--out", out.toString()));
        System.out.println(r.output());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().matches("(?s).*one layer +PASS .*max \\|difference\\| = .*"), r.output());
        assertTrue(r.output().matches("(?s).*tiny fixture +PASS .*max \\|difference\\| = .*"), r.output());
        assertTrue(r.output().contains("chip:     ascend-sim"), r.output());
        assertTrue(Files.isRegularFile(out.resolve("tiny-fixture.device.npy")), "the device logits are kept");
    }
}
