package org.tramontane.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tramontane.weights.SafetensorsFileTest.assertMessage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.testing.Fixtures;
import org.tramontane.config.UserException;
import org.tramontane.config.DType;
import org.tramontane.config.Progress;
import org.tramontane.testing.RecordingProgress;
import org.tramontane.convert.TorchFiles.Spec;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.weights.MixtralCheckpointValidator;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.TensorInfo;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.SafetensorsFile;

class MistralConverterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    // ---- the fixture, both input formats --------------------------------------------------------

    @Test
    void fromConsolidatedSafetensorsGivesTheHfFixtureBitForBit() throws IOException {
        Path in = Fixtures.dir("tiny-mixtral-consolidated");
        Path out = tmp.resolve("hf");
        RecordingProgress progress = new RecordingProgress();
        MistralConverter.Result r = MistralConverter.convert(in, out, null, progress);
        // embed + 2 layers x (7 + 4 experts x 3) + norm + lm_head
        assertEquals(List.of("convert tensors 41"), progress.tasks());
        List<String> seen = progress.details();
        assertEquals(List.of(in.resolve("consolidated.safetensors")), r.source(), "safetensors preferred over .pt");
        assertEquals(DType.F32, r.dtype());
        assertEquals(41, r.numTensors());
        assertEquals(List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"), r.copiedFiles());
        assertSameCheckpoint(Fixtures.dir("tiny-mixtral"), out);
        assertEquals(SafetensorsFile.open(Fixtures.dir("tiny-mixtral").resolve("model.safetensors")).tensors().stream()
                .map(TensorInfo::name).toList(), seen, "progress reports every tensor in order");
        assertEquals(List.of(out), list(tmp), "nothing else left beside the output");
    }

    @Test
    void fromPtOnlyGivesTheHfFixtureBitForBit() throws IOException {
        Path src = Fixtures.dir("tiny-mixtral-consolidated");
        Path in = Files.createDirectory(tmp.resolve("pt-only"));
        for (String f : List.of("consolidated.00.pt", "params.json", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json")) {
            Files.copy(src.resolve(f), in.resolve(f));
        }
        Path out = Files.createDirectory(tmp.resolve("out")); // an empty output directory is fine
        MistralConverter.Result r = MistralConverter.convert(in, out, null, Progress.NONE);
        assertEquals(List.of(in.resolve("consolidated.00.pt")), r.source());
        assertSameCheckpoint(Fixtures.dir("tiny-mixtral"), out);
    }

    @Test
    void roundingToBf16GivesTheBf16Fixture() {
        Path out = tmp.resolve("bf16");
        MistralConverter.convert(Fixtures.dir("tiny-mixtral-consolidated"), out, DType.BF16, Progress.NONE);
        assertSameCheckpoint(Fixtures.dir("tiny-mixtral-bf16"), out);
    }

    @Test
    void roundingToF16GivesTheF16FixturesTensors() {
        // tiny-mixtral-swa holds the same draws in F16 (sharded, and with another sliding_window)
        Path out = tmp.resolve("f16");
        MistralConverter.convert(Fixtures.dir("tiny-mixtral-consolidated"), out, DType.F16, Progress.NONE);
        Checkpoint expected = Checkpoint.open(Fixtures.dir("tiny-mixtral-swa"));
        Checkpoint actual = Checkpoint.open(out);
        assertEquals(expected.tensors().stream().map(TensorInfo::name).toList(),
                actual.tensors().stream().map(TensorInfo::name).toList());
        for (TensorInfo e : expected.tensors()) {
            TensorInfo a = actual.tensor(e.name());
            assertEquals(DType.F16, a.dtype(), e.name());
            assertEquals(e.shape(), a.shape(), e.name());
            assertArrayEquals(expected.readBytes(e), actual.readBytes(a), e.name());
        }
        assertEquals(DType.F16, MixtralConfigReader.read(out.resolve("config.json")).torchDtype());
    }

    @Test
    void configJsonIsWhatTransformersWroteExceptItsVersion() throws IOException {
        Path out = tmp.resolve("hf");
        MistralConverter.convert(Fixtures.dir("tiny-mixtral-consolidated"), out, null, Progress.NONE);
        Path hf = Fixtures.dir("tiny-mixtral");
        for (String f : List.of("config.json", "generation_config.json")) {
            ObjectNode expected = (ObjectNode) JSON.readTree(hf.resolve(f).toFile());
            expected.remove("transformers_version");
            ObjectNode actual = (ObjectNode) JSON.readTree(out.resolve(f).toFile());
            assertEquals(expected, actual, f);
            assertEquals(iterable(expected.fieldNames()), iterable(actual.fieldNames()),
                    f + " key order");
        }
    }

    // ---- a hand-made checkpoint: the reordering checked value by value ------------------------------

    /** hidden 8, 2 heads of 4, 1 KV head, 2 experts of intermediate 3, 1 layer, vocab 5. */
    private static final int H = 8;
    private static final int HD = 4;
    private static final int I = 3;
    private static final int E = 2;

    @Test
    void permutesQkRowsAndSplitsExperts() throws IOException {
        Path in = mini(tmp.resolve("mini"), List.of("2"), List.of());
        Path out = tmp.resolve("out");
        MistralConverter.convert(in, out, null, Progress.NONE);
        Checkpoint ckpt = Checkpoint.open(out);
        MixtralConfig config = MixtralConfigReader.read(out.resolve("config.json"));
        MixtralCheckpointValidator.validate(ckpt, config);

        // q: per head of 4 rows, HF rows (0, 1, 2, 3) = original rows (0, 2, 1, 3)
        float[] q = ckpt.readFloats(ckpt.tensor(MixtralWeightNames.qProj(0)));
        int[] fromRow = {0, 2, 1, 3, 4, 6, 5, 7};
        for (int r = 0; r < 8; r++) {
            for (int c = 0; c < H; c++) assertEquals(base("wq") + fromRow[r] * H + c, q[r * H + c], "q row " + r);
        }
        float[] k = ckpt.readFloats(ckpt.tensor(MixtralWeightNames.kProj(0)));
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < H; c++) assertEquals(base("wk") + fromRow[r] * H + c, k[r * H + c], "k row " + r);
        }
        float[] v = ckpt.readFloats(ckpt.tensor(MixtralWeightNames.vProj(0)));
        assertEquals(base("wv") + 13, v[13], "v unchanged");
        for (int e = 0; e < E; e++) {
            float[] w1 = ckpt.readFloats(ckpt.tensor(MixtralWeightNames.expertW1(0, e)));
            float[] w2 = ckpt.readFloats(ckpt.tensor(MixtralWeightNames.expertW2(0, e)));
            float[] w3 = ckpt.readFloats(ckpt.tensor(MixtralWeightNames.expertW3(0, e)));
            assertEquals(List.of((long) H, (long) I), ckpt.tensor(MixtralWeightNames.expertW2(0, e)).shape());
            for (int i = 0; i < I; i++) {
                for (int h = 0; h < H; h++) {
                    float stacked = (e * I + i) * H + h;
                    assertEquals(base("w1") + stacked, w1[i * H + h]);
                    assertEquals(base("w3") + stacked, w3[i * H + h]);
                    assertEquals(base("w2") + stacked, w2[h * I + i], "w2 is the transposed block");
                }
            }
        }
        assertEquals(10000.0, config.ropeTheta(), "rope_theta absent: the convert script's default");
        assertEquals(1, config.numKvHeads());
        assertEquals(null, config.slidingWindow(), "sliding_window null: no window");
    }

    @Test
    void aFailedWriteIsTheOutputsNotTheInputs() throws IOException {
        Path in = mini(tmp.resolve("mini"), List.of(), List.of());
        MistralParams params = MistralParams.read(in.resolve(MistralParams.FILE));
        // a disk that fills up: the writer's channel refuses every write
        java.nio.channels.WritableByteChannel full = new java.nio.channels.WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        try (MistralSources sources = MistralSources.open(in)) {
            for (MistralPlan.Job j : MistralPlan.plan(params, sources)) {
                // an IOException reaches SafetensorsWriter, which names the output file; a ConvertException would name the input
                IOException e = assertThrows(IOException.class, () -> j.transform().write(j.source(), DType.F32, full), j.name());
                assertEquals("No space left on device", e.getMessage(), j.name());
            }
        }
    }

    @Test
    void refusesNonContiguousTensors() throws IOException {
        Path in = mini(tmp.resolve("mini"), List.of(), List.of(MistralTensor.WO.at(0)));
        Path out = tmp.resolve("out");
        Exception e = assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, Progress.NONE));
        assertMessage(e, in.resolve("consolidated.00.pt"), MistralTensor.WO.at(0), "not contiguous");
        assertEquals(List.of(in), list(tmp), "nothing written");
    }

    @Test
    void aReadFailureMidWayLeavesNoOutput() throws IOException {
        Path in = mini(tmp.resolve("mini"), List.of("3"), List.of());
        corruptDeflatedStorage(in.resolve("consolidated.00.pt"), "data/3"); // wk, read after embed, norm, wq
        Path out = tmp.resolve("out");
        List<String> written = new ArrayList<>();
        Exception e = assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, new RecordingProgress(step -> written.add(step.detail()))));
        assertMessage(e, in.resolve("consolidated.00.pt"), MistralTensor.WK.at(0));
        assertTrue(written.contains(MixtralWeightNames.qProj(0)), "failed after some tensors were written: " + written);
        assertEquals(List.of(in), list(tmp), "no output, no temporary directory");
    }

    @Test
    void anAbortedConversionLeavesNoOutput() {
        Path out = tmp.resolve("hf");
        RuntimeException stop = new IllegalStateException("stop after five");
        RuntimeException e = assertThrows(IllegalStateException.class, () -> MistralConverter.convert(
                Fixtures.dir("tiny-mixtral-consolidated"), out, null, new RecordingProgress(step -> {
                    if (step.done() == 5) throw stop;
                })));
        assertEquals(stop, e);
        assertEquals(List.of(), list(tmp), "no output, no temporary directory");
    }

    // ---- refusals -------------------------------------------------------------------------------

    @Test
    void refusesANonEmptyOrNonDirectoryOutput() throws IOException {
        Path in = Fixtures.dir("tiny-mixtral-consolidated");
        Path out = Files.createDirectory(tmp.resolve("out"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        ConvertException e = assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, Progress.NONE));
        assertMessage(e, out, "--output", "not empty");
        assertEquals(List.of(out.resolve("keep.txt")), list(out), "untouched");

        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertMessage(assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, file, null, Progress.NONE)), file, "--output");
    }

    @Test
    void refusesMissingOrIncompleteParams() throws IOException {
        Path src = Fixtures.dir("tiny-mixtral-consolidated");
        Path in = Files.createDirectory(tmp.resolve("in"));
        Files.copy(src.resolve("consolidated.safetensors"), in.resolve("consolidated.safetensors"));
        Path out = tmp.resolve("out");
        Path params = in.resolve("params.json");
        assertMessage(assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, Progress.NONE)), params, "no such file");

        for (String key : List.of("vocab_size", "rms_norm_eps", "sliding_window", "hidden_size")) {
            ObjectNode p = (ObjectNode) JSON.readTree(src.resolve("params.json").toFile());
            p.remove(key);
            Files.writeString(params, p.toString());
            assertMessage(assertThrows(ConvertException.class,
                    () -> MistralConverter.convert(in, out, null, Progress.NONE)), params,
                    "missing required key " + key);
        }
        ObjectNode p = (ObjectNode) JSON.readTree(src.resolve("params.json").toFile());
        p.put("sliding_window", "wide");
        Files.writeString(params, p.toString());
        assertMessage(assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, Progress.NONE)), params, "sliding_window");
        assertFalse(Files.exists(out));
    }

    @Test
    void refusesTensorsThatDoNotFitParams() throws IOException {
        Path src = Fixtures.dir("tiny-mixtral-consolidated");
        Path in = Files.createDirectory(tmp.resolve("in"));
        Files.copy(src.resolve("consolidated.safetensors"), in.resolve("consolidated.safetensors"));
        Path st = in.resolve("consolidated.safetensors");
        Path out = tmp.resolve("out");

        // num_key_value_heads absent means 4 KV heads: wk would be [64, 64], the file has [32, 64]
        ObjectNode p = (ObjectNode) JSON.readTree(src.resolve("params.json").toFile());
        p.remove("num_key_value_heads");
        Files.writeString(in.resolve("params.json"), p.toString());
        assertMessage(assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, Progress.NONE)), st,
                MistralTensor.WK.at(0), "[32, 64]", "[64, 64]");

        // one layer declared, two present: layer 1's tensors are unexpected
        p = (ObjectNode) JSON.readTree(src.resolve("params.json").toFile());
        p.put("num_hidden_layers", 1);
        Files.writeString(in.resolve("params.json"), p.toString());
        assertMessage(assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, Progress.NONE)), st,
                "unexpected tensor layers.1.");

        // three layers declared: layer 2 is missing
        p.put("num_hidden_layers", 3);
        Files.writeString(in.resolve("params.json"), p.toString());
        assertMessage(assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, Progress.NONE)), st,
                "missing tensor layers.2.");
        assertFalse(Files.exists(out));
    }

    @Test
    void refusesATensorInTwoPtFilesAndAnInputWithoutWeights() throws IOException {
        Path src = Fixtures.dir("tiny-mixtral-consolidated");
        Path in = Files.createDirectory(tmp.resolve("in"));
        Files.copy(src.resolve("params.json"), in.resolve("params.json"));
        Path out = tmp.resolve("out");
        assertMessage(assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, Progress.NONE)), in, "--input",
                "consolidated.NN.pt");
        Files.copy(src.resolve("consolidated.00.pt"), in.resolve("consolidated.00.pt"));
        Files.copy(src.resolve("consolidated.00.pt"), in.resolve("consolidated.01.pt"));
        assertMessage(assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, Progress.NONE)),
                in.resolve("consolidated.01.pt"), "tok_embeddings.weight", "consolidated.00.pt");
        assertFalse(Files.exists(out));
    }

    @Test
    void refusesAMissingInputAndANonFloatTarget() {
        Path in = tmp.resolve("absent");
        Path out = tmp.resolve("out");
        assertMessage(assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, null, Progress.NONE)), in, "--input");
        UserException e = assertThrows(ConvertException.class,
                () -> MistralConverter.convert(in, out, DType.I8, Progress.NONE));
        assertTrue(e.getMessage().contains("--dtype"), e.getMessage());
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** Every tensor equal in name, order, dtype, shape and bytes; config.json read to the same record. */
    private static void assertSameCheckpoint(Path expectedDir, Path actualDir) {
        SafetensorsFile expected = SafetensorsFile.open(expectedDir.resolve("model.safetensors"));
        SafetensorsFile actual = SafetensorsFile.open(actualDir.resolve("model.safetensors"));
        assertEquals(expected.tensors().stream().map(TensorInfo::name).toList(),
                actual.tensors().stream().map(TensorInfo::name).toList(), "names and order");
        assertEquals(expected.metadata(), actual.metadata());
        for (TensorInfo e : expected.tensors()) {
            TensorInfo a = actual.tensor(e.name());
            assertEquals(e.dtype(), a.dtype(), e.name());
            assertEquals(e.shape(), a.shape(), e.name());
            assertArrayEquals(expected.readBytes(e), actual.readBytes(a), e.name());
        }
        assertEquals(MixtralConfigReader.read(expectedDir.resolve("config.json")),
                MixtralConfigReader.read(actualDir.resolve("config.json")));
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            assertArrayEquals(readAll(expectedDir.resolve(f)), readAll(actualDir.resolve(f)), f);
        }
    }

    private static float base(String tensor) {
        return switch (tensor) {
            case "wq" -> 1000;
            case "wk" -> 2000;
            case "wv" -> 3000;
            case "w1" -> 4000;
            case "w2" -> 5000;
            case "w3" -> 6000;
            default -> 0;
        };
    }

    /**
     * A tiny consolidated checkpoint (one .pt) whose tensors hold base + 0, 1, 2, ... in row-major
     * order; params.json without rope_theta and with a null sliding window.
     *
     * @param deflated       storage keys to write compressed (key n is the n-th tensor: 2 = wq, 3 = wk)
     * @param nonContiguous  tensor names stored with transposed strides
     */
    private static Path mini(Path dir, List<String> deflated, List<String> nonContiguous) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("params.json"), "{\"hidden_size\": 8, \"intermediate_size\": 3,"
                + " \"num_attention_heads\": 2, \"num_hidden_layers\": 1, \"num_key_value_heads\": 1,"
                + " \"num_local_experts\": 2, \"rms_norm_eps\": 1e-05, \"sliding_window\": null, \"vocab_size\": 5}");
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        Map<String, String> role = new LinkedHashMap<>();
        shapes.put(MistralTensor.TOK_EMBEDDINGS.key(), List.of(5L, 8L));
        shapes.put(MistralTensor.ATTENTION_NORM.at(0), List.of(8L));
        shapes.put(MistralTensor.WQ.at(0), List.of(8L, 8L));
        role.put(MistralTensor.WQ.at(0), "wq");
        shapes.put(MistralTensor.WK.at(0), List.of(4L, 8L));
        role.put(MistralTensor.WK.at(0), "wk");
        shapes.put(MistralTensor.WV.at(0), List.of(4L, 8L));
        role.put(MistralTensor.WV.at(0), "wv");
        shapes.put(MistralTensor.WO.at(0), List.of(8L, 8L));
        shapes.put(MistralTensor.FFN_NORM.at(0), List.of(8L));
        shapes.put(MistralTensor.GATE.at(0), List.of(2L, 8L));
        for (String w : List.of("w1", "w2", "w3")) {
            String name = w.equals("w1") ? MistralTensor.W1.at(0)
                    : w.equals("w2") ? MistralTensor.W2.at(0) : MistralTensor.W3.at(0);
            shapes.put(name, List.of((long) E * I, 8L));
            role.put(name, w);
        }
        shapes.put(MistralTensor.NORM.key(), List.of(8L));
        shapes.put(MistralTensor.OUTPUT.key(), List.of(5L, 8L));

        List<Spec> specs = new ArrayList<>();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        int key = 0;
        for (Map.Entry<String, List<Long>> e : shapes.entrySet()) {
            String k = Integer.toString(key++);
            List<Long> shape = e.getValue();
            int n = (int) shape.stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
            List<Long> strides = nonContiguous.contains(e.getKey())
                    ? List.of(1L, shape.get(0)) : TorchFiles.contiguousStrides(shape);
            specs.add(new Spec(e.getKey(), "FloatStorage", k, n, 0, shape, strides));
            storages.put(k, TorchFiles.iota(n, base(role.getOrDefault(e.getKey(), ""))));
        }
        TorchFiles.zip(dir.resolve("consolidated.00.pt"), "consolidated.00", TorchFiles.dictPickle(specs), storages,
                deflated, null);
        return dir;
    }

    /** Overwrites the start of a deflated entry's compressed data, so reading it fails. */
    private static void corruptDeflatedStorage(Path zip, String entrySuffix) throws IOException {
        byte[] b = Files.readAllBytes(zip);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 30 < b.length; i++) {
            if (bb.getInt(i) != 0x04034b50) continue; // local file header
            int nameLen = bb.getShort(i + 26) & 0xffff;
            int extraLen = bb.getShort(i + 28) & 0xffff;
            String name = new String(b, i + 30, nameLen, java.nio.charset.StandardCharsets.UTF_8);
            if (name.endsWith(entrySuffix)) {
                int data = i + 30 + nameLen + extraLen;
                for (int j = 0; j < 8; j++) b[data + j] = (byte) 0xff;
                Files.write(zip, b);
                return;
            }
        }
        throw new IllegalStateException(entrySuffix + " not found in " + zip);
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readAll(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
