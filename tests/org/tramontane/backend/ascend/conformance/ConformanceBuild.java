package org.tramontane.backend.ascend.conformance;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Compiles native C++ against one set of declarations, for the conformance test: the project's own
 * (native/ascend/include at a TRAMONTANE_CANN_VERSION) or an installed toolkit's headers (the system
 * property {@code tramontane.cann.headers}, include directories separated by the path separator, as
 * tests/ascend/device-check.sh passes them). g++ by default, or $CXX.
 */
record ConformanceBuild(Path basedir, List<Path> includes, boolean simulator, String version, int macro) {

    /** The releases cann-facts.json describes whose declarations the project supports, with their macro values. */
    static final List<String> SUPPORTED = List.of("8.1.RC1", "8.2.RC1", "8.3.RC1", "8.5.0");

    static final String HEADERS_PROPERTY = "tramontane.cann.headers";
    static final String VERSION_PROPERTY = "tramontane.cann.version";

    /** "8.1.RC1" -> 80100, "8.5.0" -> 80500: major * 10000 + minor * 100, as native/ascend/build.sh computes it. */
    static int macroOf(String version) {
        String[] p = version.split("\\.");
        return Integer.parseInt(p[0]) * 10000 + Integer.parseInt(p[1]) * 100;
    }

    static Path projectDir() {
        return Path.of(System.getProperty("tramontane.basedir", System.getProperty("user.dir")));
    }

    /** The project's declarations as of a supported release. */
    static ConformanceBuild ours(String version) {
        Path base = projectDir();
        return new ConformanceBuild(base, List.of(base.resolve("native/ascend/include")), true, version, macroOf(version));
    }

    /** The installed toolkit's headers, when tramontane.cann.headers names them (and tramontane.cann.version the release). */
    static Optional<ConformanceBuild> installed() {
        String h = System.getProperty(HEADERS_PROPERTY, "");
        if (h.isBlank()) return Optional.empty();
        String v = System.getProperty(VERSION_PROPERTY, "");
        if (v.isBlank()) throw new IllegalStateException(HEADERS_PROPERTY + " needs " + VERSION_PROPERTY + " (e.g. 8.1.RC1)");
        if (!SUPPORTED.contains(v)) {
            throw new IllegalStateException("CANN " + v + " (" + VERSION_PROPERTY + ") is not a supported release: " + SUPPORTED);
        }
        List<Path> inc = new ArrayList<>();
        for (String p : h.split(File.pathSeparator)) inc.add(Path.of(p));
        return Optional.of(new ConformanceBuild(projectDir(), inc, false, v, macroOf(v)));
    }

    String describe() {
        return (simulator ? "native/ascend/include as CANN " : "installed headers of CANN ") + version;
    }

    /** Compiles the conformance probe for the C++ ABI and runs it; its output. */
    String runProbe(int abi) throws IOException, InterruptedException {
        Path out = basedir.resolve("target/cann-conformance");
        Files.createDirectories(out);
        Path exe = out.resolve("probe-" + version + (simulator ? "-sim" : "-installed") + "-abi" + abi);
        List<String> cmd = compiler();
        cmd.add("-D_GLIBCXX_USE_CXX11_ABI=" + abi);
        cmd.add(basedir.resolve("native/ascend/probes/conformance/conformance.cpp").toString());
        cmd.add("-o");
        cmd.add(exe.toString());
        run(cmd);
        return run(List.of(exe.toString()));
    }

    /** Type-checks every facade translation unit (g++ -fsyntax-only); the compiler's complaints, empty when none. */
    String checkFacade() throws IOException, InterruptedException {
        List<String> cmd = compiler();
        cmd.add("-fsyntax-only");
        cmd.add("-I" + basedir.resolve("native/ascend/facade"));
        cmd.add("-I" + basedir.resolve("native/cpu/include"));
        if (simulator) cmd.add("-DTRAMONTANE_ASCEND_SIM");
        try (var files = Files.list(basedir.resolve("native/ascend/facade"))) {
            files.filter(f -> f.toString().endsWith(".cpp")).sorted().forEach(f -> cmd.add(f.toString()));
        }
        try {
            run(cmd);
            return "";
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    private List<String> compiler() {
        List<String> cmd = new ArrayList<>();
        String cxx = System.getenv("CXX");
        cmd.add(cxx == null || cxx.isBlank() ? "g++" : cxx);
        cmd.addAll(List.of("-std=c++17", "-O0", "-pthread", "-DTRAMONTANE_CANN_VERSION=" + macro));
        for (Path p : includes) cmd.add("-I" + p);
        return cmd;
    }

    /** Runs a command; its stdout, or IllegalStateException with its output when it fails. */
    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", cmd));
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + text);
        return text;
    }
}
