package org.tramontane.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.SafetensorsWriter;

/**
 * quantize and convert in a child JVM, stopped while they write: SIGINT and SIGTERM leave nothing
 * beside the target (the shutdown hook removes the temporary); kill -9 leaves the temporary, which
 * the next run writing the same target removes, saying so in one line on stderr. The checkpoint is
 * a float Mixtral of about 28 MB, so that the write lasts long enough to be caught under way.
 */
class InterruptedWriteTest {
    @TempDir
    static Path dir;
    static Path source;

    // 50 M expert parameters (200 MB of f32): quantize and convert take seconds even on an idle core,
    // so the signal sent once the first bytes are staged lands while the write is under way.
    @BeforeAll
    static void makeCheckpoint() throws IOException {
        source = Files.createDirectory(dir.resolve("float"));
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree("""
                {"architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "vocab_size": 1000,
                 "hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 2, "num_attention_heads": 8,
                 "num_key_value_heads": 4, "num_local_experts": 8, "num_experts_per_tok": 2, "hidden_act": "silu",
                 "rms_norm_eps": 1e-05, "rope_theta": 1000000.0, "max_position_embeddings": 4096,
                 "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
                """);
        Files.writeString(source.resolve("config.json"), cfg.toPrettyString());
        MixtralConfig c = MixtralConfigReader.read(source.resolve("config.json"));
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(24);
        for (MixtralWeightNames.Expected e : MixtralWeightNames.expected(c)) {
            long n = e.shape().stream().reduce(1L, Math::multiplyExact);
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < n; i++) b.putFloat((float) random.nextGaussian() * 0.02f);
            b.flip();
            tensors.add(new SafetensorsWriter.Tensor(e.name(), DType.F32, e.shape(), SafetensorsWriter.ByteSource.of(b)));
        }
        SafetensorsWriter.write(source.resolve("model.safetensors"), Map.of("format", "pt"), tensors);
    }

    @Test
    void sigintDuringQuantizeLeavesNothing() throws Exception {
        Path out = dir.resolve("q-int");
        Process p = start(quantize(out));
        awaitWriteUnderWay(p, out);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertStopped(p, out);
    }

    @Test
    void sigtermDuringConvertLeavesNothing() throws Exception {
        Path out = dir.resolve("tp-term");
        Process p = start(List.of("convert", "--from", "hf", "--to", "tramontane", "--world-size", "2", "--input",
                source.toString(), "--output", out.toString()));
        awaitWriteUnderWay(p, out);
        p.destroy(); // SIGTERM
        assertStopped(p, out);
    }

    @Test
    void afterKill9TheNextRunRemovesTheStaleTemporaryAndSaysSo() throws Exception {
        Path out = dir.resolve("q-kill");
        Process killed = start(quantize(out));
        String stale = awaitWriteUnderWay(killed, out).getFileName().toString();
        killed.destroyForcibly(); // SIGKILL: no hook runs
        assertTrue(killed.waitFor(60, TimeUnit.SECONDS));
        assertTrue(Files.exists(out.resolveSibling(stale)), "kill -9 leaves the temporary");
        assertFalse(Files.exists(out));

        Process next = start(quantize(out));
        assertTrue(next.waitFor(300, TimeUnit.SECONDS), "the second run ends");
        String err = new String(next.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, next.exitValue(), err);
        List<String> lines = err.lines().toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).startsWith("note: removed 1 temporary") && lines.get(0).contains(stale), err);
        assertEquals(new TreeSet<>(List.of("float", "q-kill")), siblings(out, "q-kill"), "only the output is left");
        assertTrue(Files.isRegularFile(out.resolve("quant_model_description.json")), "the output is complete");
    }

    private static List<String> quantize(Path out) {
        return List.of("quantize", "--model-path", source.toString(), "--save-directory", out.toString());
    }

    /** The verb in a child JVM on this test's class path, one core, so the write takes its time. */
    private static Process start(List<String> args) throws IOException {
        // through python3, which puts SIGINT back to its default before exec: a shell that starts jobs in the
        // background (as CI runners do) hands them SIGINT ignored, and a JVM leaves an ignored SIGINT ignored
        List<String> cmd = new ArrayList<>(List.of("python3", "-c",
                "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])",
                ProcessHandle.current().info().command().orElse("java"),
                "-XX:ActiveProcessorCount=1", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "org.tramontane.cli.Main"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Waits until a temporary beside {@code out} holds a file with bytes in it; returns the temporary. */
    private static Path awaitWriteUnderWay(Process p, Path out) throws Exception {
        String prefix = "." + out.getFileName() + StagedOutputs.MARK;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), () -> "the child ended before writing: " + stderr(p));
            Optional<Path> tmp;
            try (Stream<Path> s = Files.list(out.getParent())) {
                tmp = s.filter(f -> f.getFileName().toString().startsWith(prefix)).findFirst();
            }
            if (tmp.isPresent() && holdsBytes(tmp.get())) return tmp.get();
            Thread.sleep(2);
        }
        throw new AssertionError("no temporary beside " + out + " within 120 s");
    }

    private static String stderr(Process p) {
        try {
            return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean holdsBytes(Path tmp) {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.anyMatch(f -> {
                try {
                    return Files.isRegularFile(f) && Files.size(f) > 0;
                } catch (IOException vanished) {
                    return false;
                }
            });
        } catch (IOException | java.io.UncheckedIOException vanished) {
            return false;
        }
    }

    /** The child ended on the signal, and beside the source there is nothing: no output, no temporary. */
    private static void assertStopped(Process p, Path out) throws Exception {
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child ends on the signal");
        assertNotEquals(0, p.exitValue(), "stopped, not finished");
        assertEquals(new TreeSet<>(List.of("float")), siblings(out, null), "nothing left beside " + out);
    }

    /** The names in the test folder, other tests' outputs (all but {@code keep}) left out. */
    private static TreeSet<String> siblings(Path out, String keep) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.list(out.getParent())) {
            s.map(f -> f.getFileName().toString())
                    .filter(n -> n.equals("float") || n.equals(keep) || n.contains(out.getFileName().toString()))
                    .forEach(names::add);
        }
        return names;
    }
}
