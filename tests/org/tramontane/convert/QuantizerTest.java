package org.tramontane.convert;

import java.util.Optional;
import org.tramontane.quant.QuantFixtures;
import org.tramontane.config.QuantScheme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.MixtralCheckpointValidator;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.SafetensorsFile;
import org.tramontane.weights.SafetensorsWriter;
import org.tramontane.weights.TensorInfo;
import org.tramontane.quant.WeightQuantizer;
import org.tramontane.quant.QuantDescription;
import org.tramontane.config.Progress;
import org.tramontane.testing.RecordingProgress;

class QuantizerTest {
    private static final String W8A8_FILE = "quant_model_weight_w8a8_dynamic.safetensors";
    private static final String W8A16_FILE = "quant_model_weight_w8a16.safetensors";

    @TempDir
    Path tmp;

    @Test
    void reproducesTheW8a8FixtureExactly() throws IOException {
        Path src = QuantFixtures.dir("tiny-mixtral");
        Path expected = QuantFixtures.dir("tiny-mixtral-w8a8");
        Path out = tmp.resolve("out");
        RecordingProgress progress = new RecordingProgress();
        Quantizer.quantize(src, out, QuantScheme.W8A8_DYNAMIC, progress);

        assertEquals(Set.of("config.json", "generation_config.json", "quant_model_description.json", W8A8_FILE,
                "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"), fileNames(out));
        assertSameTensors(expected.resolve(W8A8_FILE), out.resolve(W8A8_FILE));
        // same header layout and data order as the fixture's writer, so the files are identical
        assertArrayEquals(Files.readAllBytes(expected.resolve(W8A8_FILE)), Files.readAllBytes(out.resolve(W8A8_FILE)));

        assertSameJson(expected.resolve("quant_model_description.json"), out.resolve("quant_model_description.json"));
        assertArrayEquals(Files.readAllBytes(expected.resolve("quant_model_description.json")),
                Files.readAllBytes(out.resolve("quant_model_description.json")), "description written as json.dump(indent=2)");
        assertSameJson(expected.resolve("config.json"), out.resolve("config.json"));
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json")) {
            assertArrayEquals(Files.readAllBytes(src.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }

        List<TensorInfo> srcTensors = Checkpoint.open(src).tensors();
        assertEquals(List.of("quantize tensors " + srcTensors.size()), progress.tasks());
        assertEquals(srcTensors.size(), progress.steps().size());
        for (int i = 0; i < srcTensors.size(); i++) {
            assertEquals(new RecordingProgress.Step(i + 1, srcTensors.size(), srcTensors.get(i).name()),
                    progress.steps().get(i));
        }
        assertEquals(1, progress.finished());
        assertNoTempSiblings(out);
        // not createTempFile's 0600: the weights get what a new file (config.json) gets
        assertEquals(Files.getPosixFilePermissions(out.resolve("config.json")),
                Files.getPosixFilePermissions(out.resolve(W8A8_FILE)));
        assertEquals(Files.getPosixFilePermissions(out.resolve("config.json")),
                Files.getPosixFilePermissions(out.resolve("tokenizer.json")));

        // the engine's loader side accepts the result
        MixtralConfig config = MixtralConfigReader.read(out.resolve("config.json"));
        assertEquals(Optional.of(QuantScheme.W8A8_DYNAMIC), config.quantize());
        MixtralCheckpointValidator.validate(Checkpoint.open(out), config);
        assertEquals(QuantScheme.W8A8_DYNAMIC, QuantDescription.read(out).scheme());
    }

    @Test
    void reproducesThe8HeadW8a8FixtureExactly() throws IOException {
        Path expected = QuantFixtures.dir("tiny-mixtral-8h-w8a8");
        Path out = tmp.resolve("out-8h");
        Quantizer.quantize(QuantFixtures.dir("tiny-mixtral-8h"), out, QuantScheme.W8A8_DYNAMIC, Progress.NONE);
        assertSameTensors(expected.resolve(W8A8_FILE), out.resolve(W8A8_FILE));
        assertArrayEquals(Files.readAllBytes(expected.resolve(W8A8_FILE)), Files.readAllBytes(out.resolve(W8A8_FILE)));
        assertSameJson(expected.resolve("quant_model_description.json"), out.resolve("quant_model_description.json"));
        assertSameJson(expected.resolve("config.json"), out.resolve("config.json"));
    }

    @Test
    void w8a16HasTheSameInt8TensorsUnderItsOwnNames() throws IOException {
        Path expected = QuantFixtures.dir("tiny-mixtral-w8a8");
        Path out = tmp.resolve("w8a16");
        Quantizer.quantize(QuantFixtures.dir("tiny-mixtral"), out, QuantScheme.W8A16, Progress.NONE);

        assertFalse(Files.exists(out.resolve(W8A8_FILE)));
        assertSameTensors(expected.resolve(W8A8_FILE), out.resolve(W8A16_FILE));

        JsonNode fixtureDesc = QuantFixtures.json(expected.resolve("quant_model_description.json"));
        JsonNode desc = QuantFixtures.json(out.resolve("quant_model_description.json"));
        assertEquals(QuantFixtures.keys(fixtureDesc), QuantFixtures.keys(desc));
        assertEquals("W8A16", desc.get("model_quant_type").asText());
        assertEquals("1.0.0", desc.get("version").asText());
        int quantized = 0;
        for (String k : QuantFixtures.keys(fixtureDesc)) {
            if (k.equals("version") || k.equals("model_quant_type")) continue;
            String label = fixtureDesc.get(k).asText();
            assertEquals(label.equals("FLOAT") ? "FLOAT" : "W8A16", desc.get(k).asText(), k);
            if (!label.equals("FLOAT")) quantized++;
        }
        assertEquals(32 * 3, quantized);

        ObjectNode config = (ObjectNode) QuantFixtures.json(expected.resolve("config.json"));
        config.put("quantize", "w8a16");
        JsonNode actual = QuantFixtures.json(out.resolve("config.json"));
        assertEquals(config, actual);
        assertEquals(QuantFixtures.keys(config), QuantFixtures.keys(actual));
        assertEquals(Optional.of(QuantScheme.W8A16), MixtralConfigReader.read(out.resolve("config.json")).quantize());
    }

    @Test
    void bf16SourceGivesTheQuantCasesValuesAndKeepsFloatTensorsBf16() {
        Path src = QuantFixtures.dir("tiny-mixtral-bf16");
        JsonNode cases = QuantFixtures.json(QuantFixtures.dir("tiny-mixtral-w8a8").resolve("quant_cases.json"));
        Path out = tmp.resolve("bf16-w8a8");
        Quantizer.quantize(src, out, QuantScheme.W8A8_DYNAMIC, Progress.NONE);

        SafetensorsFile f = SafetensorsFile.open(out.resolve(W8A8_FILE));
        for (JsonNode c : cases.get("weights")) {
            String name = c.get("source").asText();
            TensorInfo w = f.tensor(name);
            assertEquals(DType.I8, w.dtype());
            assertArrayEquals(QuantFixtures.int8s(c.get("weight_int8")), f.readBytes(w), name);
            float[] scale = f.readFloats(f.tensor(MixtralWeightNames.weightScale(name)));
            float[] expectedScale = QuantFixtures.floats(c.get("weight_scale"));
            for (int n = 0; n < scale.length; n++) {
                assertEquals(Float.floatToRawIntBits(expectedScale[n]), Float.floatToRawIntBits(scale[n]), name + " scale " + n);
            }
        }
        Checkpoint source = Checkpoint.open(src);
        for (String name : List.of(MixtralWeightNames.embedTokens(), MixtralWeightNames.router(0),
                MixtralWeightNames.finalNorm(), MixtralWeightNames.lmHead())) {
            TensorInfo t = f.tensor(name);
            assertEquals(DType.BF16, t.dtype(), name);
            assertArrayEquals(source.readBytes(source.tensor(name)), f.readBytes(t), name);
        }
    }

    @Test
    void shardedF16SourceBecomesOneFileInSourceOrder() {
        Path src = QuantFixtures.dir("tiny-mixtral-swa");
        Path out = tmp.resolve("swa-w8a8");
        Quantizer.quantize(src, out, QuantScheme.W8A8_DYNAMIC, Progress.NONE);

        Checkpoint source = Checkpoint.open(src);
        assertEquals(2, source.files().size());
        SafetensorsFile f = SafetensorsFile.open(out.resolve(W8A8_FILE));
        List<String> expectedOrder = new ArrayList<>();
        for (TensorInfo t : source.tensors()) {
            expectedOrder.add(t.name());
            if (f.tensor(t.name()).dtype() == DType.I8) {
                expectedOrder.add(MixtralWeightNames.weightScale(t.name()));
                expectedOrder.add(MixtralWeightNames.weightOffset(t.name()));
            }
        }
        assertEquals(expectedOrder, f.tensors().stream().map(TensorInfo::name).toList());

        String name = MixtralWeightNames.expertW2(1, 3);
        TensorInfo w = source.tensor(name);
        WeightQuantizer.QuantizedMatrix q = WeightQuantizer.quantize(source.readFloats(w), (int) w.dim(0), (int) w.dim(1));
        assertArrayEquals(q.weight(), f.readBytes(f.tensor(name)));
        assertArrayEquals(q.scale(), f.readFloats(f.tensor(MixtralWeightNames.weightScale(name))));
        assertArrayEquals(new float[(int) w.dim(0)], f.readFloats(f.tensor(MixtralWeightNames.weightOffset(name))));
        assertEquals(DType.F16, f.tensor(MixtralWeightNames.embedTokens()).dtype());
    }

    @Test
    void emptyExistingOutputDirectoryIsUsed() throws IOException {
        Path out = Files.createDirectory(tmp.resolve("empty"));
        Quantizer.quantize(QuantFixtures.dir("tiny-mixtral"), out, QuantScheme.W8A8_DYNAMIC, Progress.NONE);
        assertTrue(Files.isRegularFile(out.resolve(W8A8_FILE)));
        assertNoTempSiblings(out);
    }

    // ---- refusals ---------------------------------------------------------------------------------

    @Test
    void refusesTheSourceAsOutput() throws IOException {
        Path src = copyOfTinyMixtral(tmp.resolve("src"));
        Path again = src.resolve("..").resolve("src");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), src);
        for (Path dst : List.of(src, again, link)) {
            ConvertException e = assertThrows(ConvertException.class,
                    () -> Quantizer.quantize(src, dst, QuantScheme.W8A8_DYNAMIC, Progress.NONE));
            assertTrue(e.getMessage().contains(dst.toString()) && e.getMessage().contains("is the source directory"),
                    e.getMessage());
        }
        assertEquals(Set.of("config.json", "model.safetensors"), fileNames(src));
        assertNoTempSiblings(src);
    }

    @Test
    void refusesANonEmptyOutputAndLeavesItAlone() throws IOException {
        Path out = Files.createDirectory(tmp.resolve("busy"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        ConvertException e = assertThrows(ConvertException.class, () -> Quantizer.quantize(QuantFixtures.dir("tiny-mixtral"),
                out, QuantScheme.W8A8_DYNAMIC, Progress.NONE));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("not empty"), e.getMessage());
        assertEquals(Set.of("keep.txt"), fileNames(out));
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
        assertNoTempSiblings(out);
    }

    @Test
    void refusesAFileAsOutputAndAMissingParent() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        ConvertException e = assertThrows(ConvertException.class, () -> Quantizer.quantize(QuantFixtures.dir("tiny-mixtral"),
                file, QuantScheme.W8A8_DYNAMIC, Progress.NONE));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("not a directory"), e.getMessage());

        Path orphan = tmp.resolve("no-such-parent").resolve("out");
        e = assertThrows(ConvertException.class, () -> Quantizer.quantize(QuantFixtures.dir("tiny-mixtral"),
                orphan, QuantScheme.W8A8_DYNAMIC, Progress.NONE));
        assertTrue(e.getMessage().contains(orphan.toString()) && e.getMessage().contains("does not exist"), e.getMessage());
        assertFalse(Files.exists(orphan.getParent()));
    }

    @Test
    void refusesAnAlreadyQuantizedSource() {
        Path src = QuantFixtures.dir("tiny-mixtral-w8a8");
        Path out = tmp.resolve("twice");
        ConvertException e = assertThrows(ConvertException.class,
                () -> Quantizer.quantize(src, out, QuantScheme.W8A8_DYNAMIC, Progress.NONE));
        assertTrue(e.getMessage().contains("already quantized") && e.getMessage().contains("tiny-mixtral-w8a8"),
                e.getMessage());
        assertFalse(Files.exists(out));
        assertNoTempSiblings(out);
    }

    @Test
    void refusesAnInt8SourceWhoseConfigDoesNotSaySo() throws IOException {
        Path src = Files.createDirectory(tmp.resolve("int8-no-config-key"));
        Path fixture = QuantFixtures.dir("tiny-mixtral-w8a8");
        Files.copy(QuantFixtures.dir("tiny-mixtral").resolve("config.json"), src.resolve("config.json"));
        Files.copy(fixture.resolve(W8A8_FILE), src.resolve(W8A8_FILE));
        ConvertException e = assertThrows(ConvertException.class, () -> Quantizer.quantize(src, tmp.resolve("out"),
                QuantScheme.W8A8_DYNAMIC, Progress.NONE));
        assertTrue(e.getMessage().contains("already quantized") && e.getMessage().contains("is I8"), e.getMessage());
    }

    @Test
    void refusesWhatIsNotAMixtralCheckpoint() throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty-src"));
        Path out = tmp.resolve("out");
        ConvertException e = assertThrows(ConvertException.class,
                () -> Quantizer.quantize(empty, out, QuantScheme.W8A8_DYNAMIC, Progress.NONE));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("config.json"), e.getMessage());

        Path missing = tmp.resolve("missing-src");
        e = assertThrows(ConvertException.class,
                () -> Quantizer.quantize(missing, out, QuantScheme.W8A8_DYNAMIC, Progress.NONE));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("does not exist"), e.getMessage());

        Path noWeights = Files.createDirectory(tmp.resolve("config-only"));
        Files.copy(QuantFixtures.dir("tiny-mixtral").resolve("config.json"), noWeights.resolve("config.json"));
        e = assertThrows(ConvertException.class,
                () -> Quantizer.quantize(noWeights, out, QuantScheme.W8A8_DYNAMIC, Progress.NONE));
        assertTrue(e.getMessage().contains(noWeights.toString()) && e.getMessage().contains("safetensors"), e.getMessage());
        assertFalse(Files.exists(out));
        assertNoTempSiblings(out);
    }

    // ---- failures while writing -------------------------------------------------------------------

    @Test
    void aFailureHalfwayLeavesNoOutputAndNoTemporaryDirectory() {
        Path out = tmp.resolve("interrupted");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Quantizer.quantize(
                QuantFixtures.dir("tiny-mixtral"), out, QuantScheme.W8A8_DYNAMIC, new RecordingProgress(step -> {
                    if (step.done() == 5) throw new IllegalStateException("stop at " + step.detail());
                })));
        assertTrue(e.getMessage().startsWith("stop at "), e.getMessage());
        assertFalse(Files.exists(out));
        assertNoTempSiblings(out);
    }

    @Test
    void aNonFiniteWeightIsNamedAndNothingIsLeftBehind() throws IOException {
        Path src = Files.createDirectory(tmp.resolve("nan-src"));
        Path tiny = QuantFixtures.dir("tiny-mixtral");
        Files.copy(tiny.resolve("config.json"), src.resolve("config.json"));
        Checkpoint ckpt = Checkpoint.open(tiny);
        String poisoned = MixtralWeightNames.vProj(1);
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        for (TensorInfo t : ckpt.tensors()) {
            if (!t.name().equals(poisoned)) {
                tensors.add(SafetensorsWriter.Tensor.copyOf(t));
                continue;
            }
            ByteBuffer b = ByteBuffer.wrap(ckpt.readBytes(t)).order(ByteOrder.LITTLE_ENDIAN);
            b.putFloat((int) (3 * t.dim(1) + 7) * 4, Float.POSITIVE_INFINITY);
            tensors.add(new SafetensorsWriter.Tensor(t.name(), t.dtype(), t.shape(), SafetensorsWriter.ByteSource.of(b)));
        }
        SafetensorsWriter.write(src.resolve("model.safetensors"), Map.of(), tensors);

        Path out = tmp.resolve("nan-out");
        ConvertException e = assertThrows(ConvertException.class,
                () -> Quantizer.quantize(src, out, QuantScheme.W8A8_DYNAMIC, Progress.NONE));
        assertTrue(e.getMessage().contains(poisoned) && e.getMessage().contains("row 3"), e.getMessage());
        assertFalse(Files.exists(out));
        assertNoTempSiblings(out);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static Path copyOfTinyMixtral(Path dir) throws IOException {
        Files.createDirectory(dir);
        Path tiny = QuantFixtures.dir("tiny-mixtral");
        for (String f : List.of("config.json", "model.safetensors")) Files.copy(tiny.resolve(f), dir.resolve(f));
        return dir;
    }

    private static Set<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(TreeSet::new, Set::add, Set::addAll);
        }
    }

    private static void assertNoTempSiblings(Path out) {
        String prefix = "." + out.getFileName() + StagedOutputs.MARK;
        try (Stream<Path> s = Files.list(out.getParent())) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList();
            assertEquals(List.of(), left, "temporary directories left beside " + out);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertSameTensors(Path expectedFile, Path actualFile) {
        SafetensorsFile expected = SafetensorsFile.open(expectedFile);
        SafetensorsFile actual = SafetensorsFile.open(actualFile);
        assertEquals(expected.tensors().stream().map(TensorInfo::name).toList(),
                actual.tensors().stream().map(TensorInfo::name).toList(), "tensor names and order");
        for (TensorInfo e : expected.tensors()) {
            TensorInfo a = actual.tensor(e.name());
            assertEquals(e.dtype(), a.dtype(), e.name());
            assertEquals(e.shape(), a.shape(), e.name());
            assertArrayEquals(expected.readBytes(e), actual.readBytes(a), e.name());
        }
    }

    private static void assertSameJson(Path expectedFile, Path actualFile) {
        JsonNode expected = QuantFixtures.json(expectedFile);
        JsonNode actual = QuantFixtures.json(actualFile);
        assertEquals(expected, actual, actualFile.getFileName().toString());
        assertEquals(QuantFixtures.keys(expected), QuantFixtures.keys(actual), actualFile.getFileName() + " key order");
    }
}
