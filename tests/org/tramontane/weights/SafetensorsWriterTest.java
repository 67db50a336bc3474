package org.tramontane.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.config.DType;
import org.tramontane.weights.SafetensorsWriter.ByteSource;
import org.tramontane.weights.SafetensorsWriter.Tensor;

class SafetensorsWriterTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripKeepsOrderMetadataAndBytes() throws IOException {
        byte[] a = new byte[6 * 4];
        for (int i = 0; i < a.length; i++) a[i] = (byte) (i * 7);
        ByteBuffer b = ByteBuffer.allocate(3 * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(FloatBits.floatToBf16(1.5f)).putShort(FloatBits.floatToBf16(-2f)).putShort((short) 0).flip();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "made by a test");
        List<Tensor> tensors = List.of(
                new Tensor("z.last.first", DType.F32, List.of(2L, 3L), ByteSource.of(a)),
                new Tensor("a.second", DType.BF16, List.of(3L), ByteSource.of(b)),
                new Tensor("empty", DType.I8, List.of(0L, 5L), ByteSource.of(new byte[0])),
                new Tensor("scalar", DType.F16, List.of(), ByteSource.of(new byte[] {0, 0x3c})));
        Path out = tmp.resolve("out.safetensors");
        SafetensorsWriter.write(out, meta, tensors);

        SafetensorsFile f = SafetensorsFile.open(out);
        assertEquals(0, f.dataStart() % 8, "header padded to a multiple of 8");
        assertEquals(meta, f.metadata());
        assertEquals(List.of("format", "note"), List.copyOf(f.metadata().keySet()));
        assertEquals(List.of("z.last.first", "a.second", "empty", "scalar"),
                f.tensors().stream().map(TensorInfo::name).toList());
        assertArrayEquals(a, f.readBytes(f.tensor("z.last.first")));
        assertArrayEquals(new float[] {1.5f, -2f, 0f}, f.readFloats(f.tensor("a.second")));
        assertEquals(List.of(0L, 5L), f.tensor("empty").shape());
        assertArrayEquals(new float[] {1f}, f.readFloats(f.tensor("scalar")));
        assertEquals(Files.size(out), f.dataStart() + 24 + 6 + 0 + 2);
        assertEquals(List.of(out), leftovers());
    }

    @Test
    void rewritingAFixtureKeepsEveryTensor() {
        Checkpoint src = Checkpoint.open(Fixtures.dir("tiny-mixtral-w8a8"));
        Path out = tmp.resolve("copy.safetensors");
        SafetensorsWriter.write(out, Map.of("format", "pt"), src.tensors().stream().map(Tensor::copyOf).toList());
        SafetensorsFile copy = SafetensorsFile.open(out);
        assertEquals(src.tensors().size(), copy.tensors().size());
        for (int i = 0; i < src.tensors().size(); i++) {
            TensorInfo s = src.tensors().get(i);
            TensorInfo c = copy.tensors().get(i);
            assertEquals(s.name(), c.name());
            assertEquals(s.dtype(), c.dtype());
            assertEquals(s.shape(), c.shape());
            assertArrayEquals(src.readBytes(s), copy.readBytes(c), s.name());
        }
    }

    @Test
    void shortSourceFailsAndLeavesNothingBehind() throws IOException {
        Path out = tmp.resolve("short.safetensors");
        List<Tensor> tensors = List.of(new Tensor("w", DType.F32, List.of(4L), ByteSource.of(new byte[12])));
        WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsWriter.write(out, Map.of(), tensors));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("tensor w"), e.getMessage());
        assertFalse(Files.exists(out));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void failingSourceKeepsTheOldFile() throws IOException {
        Path out = tmp.resolve("keep.safetensors");
        SafetensorsWriter.write(out, Map.of(), List.of(new Tensor("w", DType.I8, List.of(2L), ByteSource.of(new byte[2]))));
        byte[] before = Files.readAllBytes(out);
        ByteSource broken = ch -> {
            throw new IOException("disk on fire");
        };
        assertThrows(WeightsException.class,
                () -> SafetensorsWriter.write(out, Map.of(), List.of(new Tensor("w", DType.I8, List.of(2L), broken))));
        assertArrayEquals(before, Files.readAllBytes(out));
        assertEquals(List.of(out), leftovers());
    }

    @Test
    void duplicateNamesRefused() {
        Tensor t = new Tensor("w", DType.I8, List.of(1L), ByteSource.of(new byte[1]));
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(tmp.resolve("dup.safetensors"), Map.of(), List.of(t, t)));
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.sorted().toList();
        }
    }
}
