package org.tramontane.convert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Hand-made torch.save zip files for the reader and converter tests: exact opcodes, no torch. */
final class TorchFiles {
    private TorchFiles() {}

    /** Emits pickle opcodes one call at a time (protocol 2 unless a test uses later ones on purpose). */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int... bytes) {
            for (int b : bytes) out.write(b);
            return this;
        }

        Pickle ascii(String raw) {
            out.writeBytes(raw.getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle proto(int p) {
            return op(0x80, p);
        }

        Pickle mark() {
            return op('(');
        }

        Pickle emptyDict() {
            return op('}');
        }

        Pickle emptyTuple() {
            return op(')');
        }

        Pickle tuple() {
            return op('t');
        }

        Pickle tuple2() {
            return op(0x86);
        }

        Pickle reduce() {
            return op('R');
        }

        Pickle setitems() {
            return op('u');
        }

        Pickle setitem() {
            return op('s');
        }

        Pickle binpersid() {
            return op('Q');
        }

        Pickle stop() {
            return op('.');
        }

        Pickle bool(boolean b) {
            return op(b ? 0x88 : 0x89);
        }

        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le32(b.length);
            out.writeBytes(b);
            return this;
        }

        /** SHORT_BINUNICODE (protocol 4). */
        Pickle shortStr(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op(0x8c, b.length);
            out.writeBytes(b);
            return this;
        }

        Pickle integer(long v) {
            if (v >= 0 && v < 256) return op('K', (int) v);
            if (v >= 0 && v < 65536) return op('M', (int) (v & 0xff), (int) (v >>> 8));
            op('J');
            le32((int) v);
            return this;
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle binput(int idx) {
            return op('q', idx);
        }

        Pickle binget(int idx) {
            return op('h', idx);
        }

        Pickle ints(List<Long> values) {
            mark();
            for (long v : values) integer(v);
            return tuple();
        }

        /** {@code _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict())}, as torch 1.13 writes it. */
        Pickle tensor(String storageClass, String key, long storageNumel, long offset, List<Long> shape, List<Long> strides) {
            global("torch._utils", "_rebuild_tensor_v2");
            mark();
            mark().str("storage").global("torch", storageClass).str(key).str("cpu").integer(storageNumel).tuple();
            binpersid();
            integer(offset).ints(shape).ints(strides).bool(false);
            global("collections", "OrderedDict").emptyTuple().reduce();
            tuple();
            return reduce();
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void le32(int v) {
            op(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
        }
    }

    /** One tensor of a hand-made file: its own storage unless several share a key. */
    record Spec(String name, String storageClass, String key, long storageNumel, long offset, List<Long> shape,
                List<Long> strides) {
        static Spec f32(String name, String key, List<Long> shape) {
            long n = 1;
            for (long d : shape) n *= d;
            return new Spec(name, "FloatStorage", key, n, 0, shape, contiguousStrides(shape));
        }
    }

    static List<Long> contiguousStrides(List<Long> shape) {
        Long[] s = new Long[shape.size()];
        long acc = 1;
        for (int i = shape.size() - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape.get(i);
        }
        return List.of(s);
    }

    /** The data.pkl torch writes for an ordered dict of these tensors. */
    static byte[] dictPickle(List<Spec> specs) {
        Pickle p = new Pickle().proto(2).emptyDict().mark();
        for (Spec s : specs) {
            p.str(s.name()).tensor(s.storageClass(), s.key(), s.storageNumel(), s.offset(), s.shape(), s.strides());
        }
        return p.setitems().stop().bytes();
    }

    /**
     * Writes a torch.save-style zip: {@code prefix/data.pkl}, {@code prefix/data/<key>} for each
     * storage, {@code prefix/version}; entries STORED except the keys in {@code deflated}.
     */
    static Path zip(Path file, String prefix, byte[] pickle, Map<String, byte[]> storages, List<String> deflated,
                    String byteOrder) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(prefix + "/data.pkl", pickle);
        if (byteOrder != null) entries.put(prefix + "/byteorder", byteOrder.getBytes(StandardCharsets.US_ASCII));
        for (Map.Entry<String, byte[]> e : storages.entrySet()) entries.put(prefix + "/data/" + e.getKey(), e.getValue());
        entries.put(prefix + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                String key = e.getKey().substring(e.getKey().lastIndexOf('/') + 1);
                boolean deflate = e.getKey().startsWith(prefix + "/data/") && deflated.contains(key);
                if (!deflate) {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(e.getValue().length);
                    ze.setCompressedSize(e.getValue().length);
                    ze.setCrc(crc.getValue());
                } else {
                    ze.setMethod(ZipEntry.DEFLATED);
                }
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return file;
    }

    static Path zip(Path file, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        return zip(file, "archive", pickle, storages, List.of(), null);
    }

    /** Little-endian float32 bytes. */
    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    /** 0, 1, 2, ... as float32 bytes, plus {@code base}. */
    static byte[] iota(int n, float base) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = base + i;
        return f32(v);
    }
}
