package org.tramontane.corpus;

import static org.tramontane.corpus.Corpus.write;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Mistral consolidated checkpoints (params.json, consolidated.NN.pt) that convert refuses, writing nothing. */
class MistralCorpusTest {
    static final String PT = "consolidated.00.pt";

    /** The consolidated fixture without its safetensors file, so the .pt is what convert reads. */
    static Path consolidated(Path d) throws IOException {
        Path m = Corpus.model(d, "tiny-mixtral-consolidated", "in");
        Files.delete(m.resolve("consolidated.safetensors"));
        return m;
    }

    static String[] convert(Path in, Path d) {
        return Corpus.args("convert", "--from", "mistral", "--to", "hf", "--input", in.toString(), "--output",
                d.resolve("out").toString());
    }

    static Case.Setup params(String from, String to) {
        return d -> {
            Path m = consolidated(d);
            String text = Files.readString(m.resolve("params.json"));
            if (!text.contains(from)) throw new AssertionError("params.json lacks " + from);
            write(m.resolve("params.json"), text.replace(from, to));
            return convert(m, d);
        };
    }

    /** A .pt whose data.pkl is {@code pickle}: a stored zip entry under the archive/ folder. */
    static Case.Setup pickle(byte[] pickle) {
        return d -> {
            Path m = consolidated(d);
            Files.delete(m.resolve(PT));
            try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(m.resolve(PT)))) {
                stored(z, "archive/data.pkl", pickle);
                stored(z, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            }
            return convert(m, d);
        };
    }

    static void stored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    /** Protocol 2: {@code module.name(arg)} through GLOBAL and REDUCE, what a malicious pickle runs on load. */
    static byte[] call(String module, String name, String arg) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2, 'c'});
        b.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        byte[] a = arg.getBytes(StandardCharsets.UTF_8);
        b.write('X');
        b.writeBytes(new byte[] {(byte) a.length, 0, 0, 0});
        b.writeBytes(a);
        b.writeBytes(new byte[] {(byte) 0x85, 'R', '.'});
        return b.toByteArray();
    }

    /** A persistent id ('storage', FloatStorage, L, 'cpu', 16) whose key L is a list holding the tuple (L,). */
    static byte[] selfHoldingStorageKey() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2, '(', 'X', 7, 0, 0, 0});
        b.writeBytes("storagectorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(new byte[] {']', '2', (byte) 0x85, 'a', 'X', 3, 0, 0, 0, 'c', 'p', 'u', 'K', 16, 't', 'Q', '.'});
        return b.toByteArray();
    }

    static Case.Setup ptBytes(Edit edit) {
        return d -> {
            Path m = consolidated(d);
            byte[] all = Files.readAllBytes(m.resolve(PT));
            Files.delete(m.resolve(PT));
            try (OutputStream out = Files.newOutputStream(m.resolve(PT))) {
                out.write(edit.apply(all));
            }
            return convert(m, d);
        };
    }

    @FunctionalInterface
    interface Edit {
        byte[] apply(byte[] bytes);
    }

    static Stream<Case> cases() {
        return Stream.of(
                Case.user("os.system in the pickle", d -> pickle(call("os", "system", "touch " + d.resolve("pwned"))).args(d),
                        PT, "os"),
                Case.user("posix.system in the pickle", d -> pickle(call("posix", "system", "touch " + d.resolve("pwned"))).args(d),
                        PT, "posix"),
                Case.user("builtins.eval in the pickle", pickle(call("builtins", "eval", "1")), PT, "eval"),
                Case.user("subprocess.Popen in the pickle", pickle(call("subprocess", "Popen", "true")), PT, "subprocess"),
                Case.user("__builtin__.exec in the pickle", pickle(call("__builtin__", "exec", "1")), PT, "exec"),
                Case.user("a pickle that is not a dict", pickle(new byte[] {(byte) 0x80, 2, 'K', 1, '.'}), PT),
                Case.user("a truncated pickle", pickle(new byte[] {(byte) 0x80, 2, '}'}), PT),
                // a list that holds itself never finishes hashing nor printing
                Case.user("a list holding itself as a dict key", pickle(new byte[] {(byte) 0x80, 2, '}', ']', '2', 'a', 'N', 's', '.'}),
                        PT, "unhashable list"),
                Case.user("a list holding itself through a tuple as a storage key", pickle(selfHoldingStorageKey()), PT,
                        "storage key list"),
                Case.user("CRC-32 fails", ptBytes(b -> {
                    b[b.length / 2] ^= 0x40;
                    return b;
                }), PT, "CRC"),
                Case.user(".pt truncated", ptBytes(b -> java.util.Arrays.copyOf(b, b.length / 2)), PT),
                Case.user(".pt not a zip", ptBytes(b -> "not a zip".getBytes(StandardCharsets.US_ASCII)), PT),
                Case.user("params.json missing", d -> {
                    Path m = consolidated(d);
                    Files.delete(m.resolve("params.json"));
                    return convert(m, d);
                }, "params.json"),
                Case.user("params.json not JSON", params("{", "{{"), "params.json"),
                Case.user("params.json without dim", params("\"hidden_size\": 64,", ""), "params.json"),
                Case.user("params.json heads not dividing", params("\"num_attention_heads\": 4", "\"num_attention_heads\": 3"),
                        "params.json"),
                Case.user("no weights", d -> {
                    Path m = consolidated(d);
                    Files.delete(m.resolve(PT));
                    return convert(m, d);
                }, "consolidated"),
                Case.user("--input missing", d -> convert(d.resolve("none"), d), "none"),
                Case.user("--output not empty", d -> {
                    Path m = consolidated(d);
                    Files.writeString(Files.createDirectories(d.resolve("out")).resolve("x"), "x");
                    return convert(m, d);
                }, "--output"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Case c) throws Exception {
        Corpus.check(c);
    }
}
