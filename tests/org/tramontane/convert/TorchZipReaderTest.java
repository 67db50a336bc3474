package org.tramontane.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tramontane.weights.SafetensorsFileTest.assertMessage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.testing.Fixtures;
import org.tramontane.config.DType;
import org.tramontane.convert.TorchTensor;
import org.tramontane.convert.TorchFiles.Pickle;
import org.tramontane.convert.TorchFiles.Spec;
import org.tramontane.weights.TensorInfo;
import org.tramontane.weights.SafetensorsFile;

class TorchZipReaderTest {
    @TempDir
    Path tmp;

    @Test
    void fixtureHoldsTheSameTensorsAsItsSafetensorsTwin() {
        Path dir = Fixtures.dir("tiny-mixtral-consolidated");
        SafetensorsFile st = SafetensorsFile.open(dir.resolve("consolidated.safetensors"));
        try (TorchZipReader pt = TorchZipReader.open(dir.resolve("consolidated.00.pt"))) {
            assertEquals(23, pt.tensors().size());
            assertEquals(st.tensors().stream().map(TensorInfo::name).toList(),
                    pt.tensors().stream().map(TorchTensor::name).toList(), "same names, same order");
            for (TorchTensor t : pt.tensors()) {
                TensorInfo s = st.tensor(t.name());
                assertEquals(DType.F32, t.dtype(), t.name());
                assertEquals(s.shape(), t.shape(), t.name());
                assertEquals(TorchFiles.contiguousStrides(t.shape()), t.strides(), t.name());
                assertTrue(t.isContiguous(), t.name());
                assertEquals(0, t.storageOffset(), t.name());
                assertArrayEquals(st.readBytes(s), pt.readBytes(t), t.name());
            }
        }
    }

    @Test
    void readsViewsOffsetsHalfTypesAndProtocol4Opcodes() throws IOException {
        // torch 2.x layout: "archive/" prefix and a byteorder record; protocol 4 framing and opcodes
        byte[] shared = TorchFiles.iota(12, 100f);
        short[] half = {0x3c00, (short) 0xc000, 0x3800}; // 1, -2, 0.5 in F16
        short[] bf = {0x3f80, 0x4040}; // 1, 3 in BF16
        Pickle p = new Pickle().proto(4).op(0x95, 0, 0, 0, 0, 0, 0, 0, 0).emptyDict().op(0x94).mark();
        // "view": rows 1..2 of a [3, 4] storage -> offset 4, shape [2, 4]
        p.shortStr("view").op(0x94).shortStr("torch._utils").shortStr("_rebuild_tensor_v2").op(0x93).op(0x94);
        p.mark().mark().shortStr("storage").shortStr("torch").shortStr("FloatStorage").op(0x93)
                .shortStr("0").shortStr("cpu").integer(12).tuple().binpersid()
                .integer(4).ints(List.of(2L, 4L)).ints(List.of(4L, 1L)).bool(true)
                .shortStr("collections").shortStr("OrderedDict").op(0x93).emptyTuple().reduce().tuple().reduce();
        p.shortStr("whole").tensor("FloatStorage", "0", 12, 0, List.of(3L, 4L), List.of(4L, 1L));
        p.shortStr("half").tensor("HalfStorage", "1", 3, 0, List.of(3L), List.of(1L));
        p.shortStr("bf").tensor("BFloat16Storage", "2", 2, 1, List.of(1L, 1L), List.of(7L, 9L)); // size-1 dims: any stride
        p.setitems().stop();
        Path f = TorchFiles.zip(tmp.resolve("t.pt"), "archive", p.bytes(),
                Map.of("0", shared, "1", shorts(half), "2", shorts(bf)), List.of("1"), "little");

        try (TorchZipReader r = TorchZipReader.open(f)) {
            assertEquals(List.of("view", "whole", "half", "bf"), r.tensors().stream().map(TorchTensor::name).toList());
            TorchTensor view = r.find("view").orElseThrow();
            assertEquals(new TorchTensor("view", DType.F32, List.of(2L, 4L), List.of(4L, 1L), "0", 4), view);
            assertArrayEquals(Arrays.copyOfRange(shared, 16, 48), r.readBytes(view));
            assertArrayEquals(shared, r.readBytes(r.find("whole").orElseThrow()));
            TorchTensor h = r.find("half").orElseThrow();
            assertEquals(DType.F16, h.dtype());
            assertArrayEquals(shorts(half), r.readBytes(h), "deflated storage entry reads too");
            TorchTensor b = r.find("bf").orElseThrow();
            assertEquals(DType.BF16, b.dtype());
            assertTrue(b.isContiguous());
            assertArrayEquals(shorts(new short[] {0x4040}), r.readBytes(b));
            try (InputStream in = r.openStream(view, 8)) {
                assertArrayEquals(Arrays.copyOfRange(shared, 24, 48), in.readAllBytes(), "stream from an offset stops at the end");
            }
        }
    }

    @Test
    void refusesOsSystemWithoutRunningIt() throws IOException {
        Path sentinel = tmp.resolve("pwned");
        byte[] pkl = new Pickle().proto(2).global("os", "system").str("touch " + sentinel).op(0x85).reduce().stop().bytes();
        Path f = TorchFiles.zip(tmp.resolve("evil.pt"), pkl, Map.of());
        ConvertException e = assertThrows(ConvertException.class, () -> TorchZipReader.open(f));
        assertMessage(e, f, "os.system", "refused");
        assertFalse(Files.exists(sentinel), "nothing was executed");
    }

    @Test
    void refusesOtherGlobalsEvenInsideATensorDict() throws IOException {
        // a legitimate-looking dict whose second value is built by builtins.eval through STACK_GLOBAL
        Pickle p = new Pickle().proto(4).emptyDict().mark();
        p.str("a").tensor("FloatStorage", "0", 2, 0, List.of(2L), List.of(1L));
        p.str("b").shortStr("builtins").shortStr("eval").op(0x93).str("1+1").op(0x85).reduce();
        p.setitems().stop();
        Path f = TorchFiles.zip(tmp.resolve("eval.pt"), p.bytes(), Map.of("0", TorchFiles.f32(1, 2)));
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(f)), f, "builtins.eval");
    }

    @Test
    void refusesUnknownStorageClassesAndInstanceOpcodes() throws IOException {
        Path f1 = TorchFiles.zip(tmp.resolve("int.pt"), TorchFiles.dictPickle(List.of(
                new Spec("x", "IntStorage", "0", 2, 0, List.of(2L), List.of(1L)))), Map.of("0", new byte[8]));
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(f1)), f1, "torch.IntStorage");

        byte[] pkl = new Pickle().proto(2).mark().str("id").op('i').ascii("subprocess\nPopen\n").stop().bytes();
        Path f2 = TorchFiles.zip(tmp.resolve("inst.pt"), pkl, Map.of());
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(f2)), f2, "INST", "subprocess.Popen");

        byte[] newobj = new Pickle().proto(2).global("collections", "OrderedDict").emptyTuple().op(0x81).stop().bytes();
        Path f3 = TorchFiles.zip(tmp.resolve("newobj.pt"), newobj, Map.of());
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(f3)), f3, "NEWOBJ");
    }

    @Test
    void listsButRefusesToReadNonContiguousTensors() throws IOException {
        Path f = TorchFiles.zip(tmp.resolve("t.pt"), TorchFiles.dictPickle(List.of(
                new Spec("transposed", "FloatStorage", "0", 6, 0, List.of(2L, 3L), List.of(1L, 2L)))),
                Map.of("0", TorchFiles.iota(6, 0)));
        try (TorchZipReader r = TorchZipReader.open(f)) {
            TorchTensor t = r.tensors().get(0);
            assertFalse(t.isContiguous());
            assertEquals(List.of(1L, 2L), t.strides());
            assertMessage(assertThrows(ConvertException.class, () -> r.readBytes(t)), f, "transposed", "not contiguous",
                    "[1, 2]");
        }
    }

    @Test
    void refusesTensorsReachingPastTheirStorage() throws IOException {
        Path f = TorchFiles.zip(tmp.resolve("t.pt"), TorchFiles.dictPickle(List.of(
                new Spec("x", "FloatStorage", "0", 6, 2, List.of(2L, 3L), List.of(3L, 1L)))),
                Map.of("0", TorchFiles.iota(6, 0)));
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(f)), f, "tensor x", "storage 0");
    }

    @Test
    void refusesStoragesOfTheWrongSizeOrMissing() throws IOException {
        Path f1 = TorchFiles.zip(tmp.resolve("short.pt"),
                TorchFiles.dictPickle(List.of(Spec.f32("x", "0", List.of(4L)))), Map.of("0", TorchFiles.iota(3, 0)));
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(f1)), f1, "data/0", "12 bytes");
        Path f2 = TorchFiles.zip(tmp.resolve("missing.pt"),
                TorchFiles.dictPickle(List.of(Spec.f32("x", "0", List.of(4L)))), Map.of());
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(f2)), f2, "data/0", "missing");
    }

    @Test
    void refusesNonZipBigEndianTruncatedAndNonDictFiles() throws IOException {
        Path notZip = Files.write(tmp.resolve("legacy.pt"), new byte[] {(byte) 0x80, 2, 'K', 1, '.'});
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(notZip)), notZip, "not a zip");

        byte[] pkl = TorchFiles.dictPickle(List.of(Spec.f32("x", "0", List.of(2L))));
        Path big = TorchFiles.zip(tmp.resolve("big.pt"), "archive", pkl, Map.of("0", new byte[8]), List.of(), "big");
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(big)), big, "byteorder", "big");

        Path cut = TorchFiles.zip(tmp.resolve("cut.pt"), Arrays.copyOf(pkl, pkl.length - 20), Map.of("0", new byte[8]));
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(cut)), cut, "data.pkl");

        Path list = TorchFiles.zip(tmp.resolve("list.pt"), new Pickle().proto(2).op(']').stop().bytes(), Map.of());
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(list)), list, "list", "dict of tensors");

        Path absent = tmp.resolve("absent.pt");
        assertMessage(assertThrows(ConvertException.class, () -> TorchZipReader.open(absent)), absent, "no such file");
    }

    private static byte[] shorts(short[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) b.putShort(v);
        return b.array();
    }
}
