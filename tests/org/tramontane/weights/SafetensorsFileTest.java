package org.tramontane.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tramontane.weights.BadFiles.entry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.config.DType;

public class SafetensorsFileTest {
    @TempDir
    Path tmp;

    @Test
    void fixtureHeaderInFileOrder() {
        Path file = Fixtures.dir("tiny-mixtral").resolve("model.safetensors");
        SafetensorsFile f = SafetensorsFile.open(file);
        assertEquals(Map.of("format", "pt"), f.metadata());
        List<TensorInfo> ts = f.tensors();
        assertEquals(2 + 2 * (2 + 4 + 1 + 4 * 3) + 1, ts.size());
        TensorInfo embed = ts.get(0);
        assertEquals("model.embed_tokens.weight", embed.name());
        assertEquals(DType.F32, embed.dtype());
        assertEquals(List.of(32000L, 64L), embed.shape());
        assertEquals(32000L * 64, embed.numElements());
        assertEquals(f.dataStart(), embed.dataOffset());
        assertEquals(32000L * 64 * 4, embed.byteLength());
        assertEquals("model.layers.0.input_layernorm.weight", ts.get(1).name());
        assertEquals(f.dataStart() + embed.byteLength(), ts.get(1).dataOffset());
        TensorInfo last = ts.get(ts.size() - 1);
        assertEquals(fileSize(file), last.dataOffset() + last.byteLength());
        assertEquals(64, f.readFloats(ts.get(1)).length);
    }

    @Test
    void readFloatsMatchesRawBytes() {
        SafetensorsFile f = SafetensorsFile.open(Fixtures.dir("tiny-mixtral").resolve("model.safetensors"));
        TensorInfo norm = f.tensor("model.norm.weight");
        byte[] raw = f.readBytes(norm);
        float[] v = f.readFloats(norm);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float x : v) assertEquals(Float.floatToRawIntBits(b.getFloat()), Float.floatToRawIntBits(x));
    }

    @Test
    void i8IsNotReadAsFloat() {
        SafetensorsFile f = SafetensorsFile.open(
                Fixtures.dir("tiny-mixtral-w8a8").resolve("quant_model_weight_w8a8_dynamic.safetensors"));
        TensorInfo q = f.tensor("model.layers.0.self_attn.q_proj.weight");
        assertEquals(DType.I8, q.dtype());
        assertEquals(64 * 64, f.readBytes(q).length);
        assertMessage(assertThrows(WeightsException.class, () -> f.readFloats(q)), f.path(), q.name());
    }

    @Test
    void missingFile() {
        Path p = tmp.resolve("absent.safetensors");
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "no such file");
    }

    @Test
    void tooShortForLength() throws IOException {
        Path p = tmp.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "too short");
    }

    @Test
    void headerLongerThanFile() throws IOException {
        String json = "{" + entry("a", "F32", "[2]", 0, 8) + "}";
        Path p = BadFiles.raw(tmp.resolve("hdr.safetensors"), 4096, json, 8);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "header length 4096");
    }

    @Test
    void headerLengthBeyondLimit() throws IOException {
        Path p = BadFiles.raw(tmp.resolve("huge.safetensors"), -1L, "{}", 0);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p,
                "18446744073709551615");
    }

    @Test
    void truncatedData() throws IOException {
        String json = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[4]", 8, 24) + "}";
        Path p = BadFiles.file(tmp.resolve("trunc.safetensors"), json, 20);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "tensor b", "truncated");
    }

    @Test
    void lyingDtypeTimesShape() throws IOException {
        String json = "{" + entry("w", "BF16", "[3,4]", 0, 48) + "}";
        Path p = BadFiles.file(tmp.resolve("lie.safetensors"), json, 48);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "tensor w", "24 bytes");
    }

    @Test
    void shapeOverflow() throws IOException {
        String json = "{" + entry("w", "F32", "[4611686018427387904,4]", 0, 8) + "}";
        Path p = BadFiles.file(tmp.resolve("ovf.safetensors"), json, 8);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "tensor w", "overflow");
    }

    @Test
    void overlappingTensors() throws IOException {
        String json = "{" + entry("a", "F32", "[4]", 0, 16) + "," + entry("b", "F32", "[2]", 8, 16) + "}";
        Path p = BadFiles.file(tmp.resolve("overlap.safetensors"), json, 16);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "a [0, 16]",
                "b [8, 16]", "overlap");
    }

    @Test
    void offsetsOutsideDataSection() throws IOException {
        String json = "{" + entry("far", "F32", "[2]", 1000, 1008) + "}";
        Path p = BadFiles.file(tmp.resolve("far.safetensors"), json, 16);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "tensor far",
                "[1000, 1008]");
    }

    @Test
    void endBeforeBegin() throws IOException {
        String json = "{" + entry("back", "F32", "[0]", 8, 4) + "}";
        Path p = BadFiles.file(tmp.resolve("back.safetensors"), json, 16);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "tensor back",
                "end before");
    }

    @Test
    void negativeShape() throws IOException {
        String json = "{" + entry("neg", "F32", "[-2]", 0, 8) + "}";
        Path p = BadFiles.file(tmp.resolve("neg.safetensors"), json, 8);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "tensor neg",
                "negative");
    }

    @Test
    void unknownDtype() throws IOException {
        String json = "{" + entry("d", "F64", "[1]", 0, 8) + "}";
        Path p = BadFiles.file(tmp.resolve("f64.safetensors"), json, 8);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "tensor d", "F64");
    }

    @Test
    void invalidJson() throws IOException {
        Path p = BadFiles.file(tmp.resolve("json.safetensors"), "{\"a\": {\"dtype\": ", 0);
        WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsFile.open(p));
        assertMessage(e, p, "not valid JSON");
    }

    @Test
    void duplicateTensorName() throws IOException {
        String json = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8) + "}";
        Path p = BadFiles.file(tmp.resolve("dup.safetensors"), json, 8);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "tensor a", "twice");
    }

    @Test
    void missingField() throws IOException {
        String json = "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}";
        Path p = BadFiles.file(tmp.resolve("noshape.safetensors"), json, 4);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "tensor a", "no shape");
    }

    @Test
    void notAnObject() throws IOException {
        Path p = BadFiles.file(tmp.resolve("arr.safetensors"), "[1,2]", 0);
        assertMessage(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)), p, "not a JSON object");
    }

    @Test
    void gapsAndEmptyTensorsAreAccepted() throws IOException {
        String json = "{\"__metadata__\":{\"k\":\"v\"}," + entry("z", "F32", "[0,3]", 0, 0) + ","
                + entry("a", "I8", "[3]", 8, 11) + "," + entry("s", "F16", "[]", 4, 6) + "}";
        Path p = BadFiles.file(tmp.resolve("ok.safetensors"), json, 11);
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(List.of("z", "a", "s"), f.tensors().stream().map(TensorInfo::name).toList());
        assertEquals(1, f.tensor("s").numElements());
        assertEquals(0, f.tensor("z").numElements());
        assertEquals(Map.of("k", "v"), f.metadata());
        assertMessage(assertThrows(WeightsException.class, () -> f.tensor("nope")), p, "nope");
    }

    public static void assertMessage(Exception e, Path file, String... parts) {
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), () -> "message does not name " + file + ": " + m);
        for (String part : parts) {
            assertTrue(m.contains(part), () -> "message lacks \"" + part + "\": " + m);
        }
        assertTrue(!m.contains("\n"), () -> "message is not one line: " + m);
    }

    private static long fileSize(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
