package org.tramontane.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tramontane.weights.BadFiles.entry;
import static org.tramontane.weights.SafetensorsFileTest.assertMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;

class CheckpointTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-mixtral", "tiny-mixtral-bf16", "tiny-mixtral-swa", "tiny-mixtral-8h",
            "tiny-mixtral-w8a8", "tiny-mixtral-8h-w8a8"})
    void fixtureCheckpointsValidateAgainstTheirConfig(String name) {
        Path dir = Fixtures.dir(name);
        MixtralConfig config = MixtralConfigReader.read(dir.resolve("config.json"));
        Checkpoint ckpt = Checkpoint.open(dir);
        MixtralCheckpointValidator.validate(ckpt, config);
        for (String required : MixtralWeightNames.required(config)) {
            assertTrue(ckpt.find(required).isPresent(), required);
        }
    }

    @Test
    void shardedFixtureKeepsFileOrder() {
        Checkpoint ckpt = Checkpoint.open(Fixtures.dir("tiny-mixtral-swa"));
        assertEquals(List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"),
                ckpt.files().stream().map(p -> p.getFileName().toString()).toList());
        assertEquals("model.embed_tokens.weight", ckpt.tensors().get(0).name());
        TensorInfo lm = ckpt.tensor(MixtralWeightNames.lmHead());
        assertEquals("model-00002-of-00002.safetensors", lm.file().getFileName().toString());
        assertEquals(DType.F16, lm.dtype());
        assertEquals(ckpt.tensors().size(), ckpt.tensors().stream().map(TensorInfo::name).distinct().count());
    }

    @Test
    void quantFixtureIsFoundWithoutModelSafetensors() {
        Checkpoint ckpt = Checkpoint.open(Fixtures.dir("tiny-mixtral-w8a8"));
        assertEquals("quant_model_weight_w8a8_dynamic.safetensors", ckpt.files().get(0).getFileName().toString());
        assertEquals(DType.I8, ckpt.tensor(MixtralWeightNames.expertW2(1, 3)).dtype());
        assertEquals(List.of(64L, 1L), ckpt.tensor(MixtralWeightNames.weightScale(MixtralWeightNames.qProj(0))).shape());
    }

    @Test
    void missingTensorNamesDirectory() {
        Path dir = Fixtures.dir("tiny-mixtral");
        Checkpoint ckpt = Checkpoint.open(dir);
        assertMessage(assertThrows(WeightsException.class, () -> ckpt.tensor("model.layers.9.x.weight")), dir,
                "model.layers.9.x.weight");
        assertTrue(ckpt.find("model.layers.9.x.weight").isEmpty());
    }

    // ---- sharded index failures ----------------------------------------------------------------

    private Path shardedDir() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("sharded"));
        BadFiles.file(dir.resolve("a.safetensors"), "{" + entry("x", "F32", "[2]", 0, 8) + "}", 8);
        BadFiles.file(dir.resolve("b.safetensors"), "{" + entry("y", "F32", "[1]", 0, 4) + "}", 4);
        return dir;
    }

    private static void index(Path dir, String weightMap) throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"metadata\":{},\"weight_map\":" + weightMap + "}");
    }

    @Test
    void goodIndex() throws IOException {
        Path dir = shardedDir();
        index(dir, "{\"y\":\"b.safetensors\",\"x\":\"a.safetensors\"}");
        Checkpoint ckpt = Checkpoint.open(dir);
        assertEquals(List.of("x", "y"), ckpt.tensors().stream().map(TensorInfo::name).toList());
        assertEquals(2, ckpt.readFloats(ckpt.tensor("x")).length);
    }

    @Test
    void indexListsTensorAbsentFromItsFile() throws IOException {
        Path dir = shardedDir();
        index(dir, "{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\",\"z\":\"b.safetensors\"}");
        assertMessage(assertThrows(WeightsException.class, () -> Checkpoint.open(dir)),
                dir.resolve(Checkpoint.INDEX_FILE), "tensor z", "b.safetensors");
    }

    @Test
    void indexNamesMissingShard() throws IOException {
        Path dir = shardedDir();
        index(dir, "{\"x\":\"a.safetensors\",\"y\":\"c.safetensors\"}");
        assertMessage(assertThrows(WeightsException.class, () -> Checkpoint.open(dir)),
                dir.resolve(Checkpoint.INDEX_FILE), "c.safetensors", "tensor y", "does not exist");
    }

    @Test
    void shardHoldsTensorTheIndexOmits() throws IOException {
        Path dir = shardedDir();
        index(dir, "{\"x\":\"a.safetensors\"}");
        BadFiles.file(dir.resolve("a.safetensors"), "{" + entry("x", "F32", "[2]", 0, 8) + ","
                + entry("w", "F32", "[1]", 8, 12) + "}", 12);
        assertMessage(assertThrows(WeightsException.class, () -> Checkpoint.open(dir)),
                dir.resolve(Checkpoint.INDEX_FILE), "tensor w", "a.safetensors");
    }

    @Test
    void indexMayNotLeaveTheDirectory() throws IOException {
        Path dir = shardedDir();
        index(dir, "{\"x\":\"../a.safetensors\"}");
        assertMessage(assertThrows(WeightsException.class, () -> Checkpoint.open(dir)),
                dir.resolve(Checkpoint.INDEX_FILE), "tensor x", "../a.safetensors");
    }

    @Test
    void invalidIndexJson() throws IOException {
        Path dir = shardedDir();
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {");
        assertMessage(assertThrows(WeightsException.class, () -> Checkpoint.open(dir)),
                dir.resolve(Checkpoint.INDEX_FILE), "invalid JSON");
    }

    @Test
    void allSafetensorsWhenNoIndexAndDuplicatesRefused() throws IOException {
        Path dir = shardedDir();
        Checkpoint ckpt = Checkpoint.open(dir);
        assertEquals(List.of("x", "y"), ckpt.tensors().stream().map(TensorInfo::name).toList());
        BadFiles.file(dir.resolve("c.safetensors"), "{" + entry("x", "F32", "[1]", 0, 4) + "}", 4);
        assertMessage(assertThrows(WeightsException.class, () -> Checkpoint.open(dir)), dir, "tensor x",
                "a.safetensors", "c.safetensors");
    }

    @Test
    void badShardIsNamed() throws IOException {
        Path dir = shardedDir();
        BadFiles.file(dir.resolve("b.safetensors"), "{" + entry("y", "F32", "[3]", 0, 12) + "}", 4);
        assertMessage(assertThrows(WeightsException.class, () -> Checkpoint.open(dir)), dir.resolve("b.safetensors"),
                "tensor y");
    }

    @Test
    void emptyAndMissingDirectory() throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertMessage(assertThrows(WeightsException.class, () -> Checkpoint.open(empty)), empty, "no model.safetensors");
        Path absent = tmp.resolve("absent");
        assertMessage(assertThrows(WeightsException.class, () -> Checkpoint.open(absent)), absent, "no such directory");
    }
}
