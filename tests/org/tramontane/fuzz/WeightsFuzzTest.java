package org.tramontane.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tramontane.config.DType;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.SafetensorsFile;
import org.tramontane.weights.SafetensorsWriter;
import org.tramontane.weights.TensorInfo;

/** The safetensors header and the sharded checkpoint index, as a user's files reach them. */
class WeightsFuzzTest {
    private static final Path DIR = Contract.scratch("weights");
    /** Tensors up to this size are also read back: a header that passes must describe bytes that exist. */
    private static final long MAX_READ_BYTES = 1 << 16;
    private static Path shardedDir;

    @FuzzTest(maxDuration = "30s")
    void safetensorsHeader(byte[] data) {
        Path file = Contract.write(DIR.resolve(Checkpoint.SINGLE_FILE), data);
        Contract.parsesOrRefuses(file, () -> {
            SafetensorsFile f = SafetensorsFile.open(file);
            for (TensorInfo t : f.tensors()) {
                if (t.byteLength() <= MAX_READ_BYTES) f.readFloats(t);
            }
        });
    }

    /** The index over two shards that hold exactly what the seed index names: mutations move, drop or invent names. */
    @FuzzTest(maxDuration = "30s")
    void shardedIndex(byte[] data) {
        Path dir = shardedDir();
        Contract.write(dir.resolve(Checkpoint.INDEX_FILE), data);
        Contract.parsesOrRefuses(dir, () -> Checkpoint.open(dir).tensors());
    }

    private static synchronized Path shardedDir() {
        if (shardedDir != null) return shardedDir;
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(Contract.seed(WeightsFuzzTest.class, "shardedIndex", "swa.index.json"))
                    .get("weight_map");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, List<SafetensorsWriter.Tensor>> byShard = new TreeMap<>();
        byte[] one = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).array();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            byShard.computeIfAbsent(e.getValue().asText(), k -> new ArrayList<>()).add(
                    new SafetensorsWriter.Tensor(e.getKey(), DType.F32, List.of(1L), SafetensorsWriter.ByteSource.of(one)));
        }
        Path dir = DIR.resolve("sharded");
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byShard.forEach((shard, tensors) -> SafetensorsWriter.write(dir.resolve(shard), Map.of(), tensors));
        shardedDir = dir;
        return dir;
    }
}
