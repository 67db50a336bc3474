package org.tramontane.convert;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.tramontane.config.DType;
import org.tramontane.convert.RestrictedUnpickler.Tuple;

/**
 * A PyTorch {@code torch.save} file (the zip format of PyTorch 1.6 and later) holding a dict of
 * tensors, read without Python and without running any of the pickle's code.
 *
 * <p>Layout: a zip whose entries share one top-level folder ({@code archive/} in PyTorch 2, the
 * file's stem in 1.x): {@code data.pkl} (the pickled object), {@code data/<key>} (one raw storage
 * per key, little-endian unless {@code byteorder} says otherwise), {@code version}. The pickle
 * is read by {@link RestrictedUnpickler}, which may reach exactly these globals:
 * {@code torch._utils._rebuild_tensor_v2} (a tensor: storage, offset, size, stride, ...),
 * the storage classes {@code torch.FloatStorage}, {@code torch.HalfStorage} and
 * {@code torch.BFloat16Storage} (in persistent ids {@code ('storage', type, key, location, numel)}),
 * and {@code collections.OrderedDict} (the empty backward-hooks dict, or the top-level dict).
 * Any other global is refused with a message naming the file and the global.
 *
 * <p>Every tensor's extent is checked against its storage at {@link #open}. Bytes are read only
 * for row-major contiguous tensors ({@link TorchTensor#isContiguous()}); the listing also shows
 * other strides, so a caller can refuse the file before writing anything. The zip stays open
 * until {@link #close()}.
 */
public final class TorchZipReader implements AutoCloseable {
    /** data.pkl is read into memory; a dict of tensors pickles to kilobytes, so more is corruption. */
    public static final long MAX_PICKLE_BYTES = 64L << 20;

    private static final Pattern STORAGE_KEY = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final String REBUILD_TENSOR_V2 = "torch._utils._rebuild_tensor_v2";
    private static final String ORDERED_DICT = "collections.OrderedDict";
    /** Storage classes to the dtype their elements have. */
    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "torch.FloatStorage", DType.F32,
            "torch.HalfStorage", DType.F16,
            "torch.BFloat16Storage", DType.BF16);

    /**
     * One tensor of the file as the pickle describes it.
     *
     * @param shape         dimensions, outermost first
     * @param strides       in elements, one per dimension
     * @param storageKey    the storage's entry name under {@code data/}
     * @param storageOffset in elements, where the tensor starts in its storage
     */
    public record TorchTensor(String name, DType dtype, List<Long> shape, List<Long> strides,
                              String storageKey, long storageOffset) {
        public TorchTensor {
            shape = List.copyOf(shape);
            strides = List.copyOf(strides);
        }

        public long numElements() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        public long byteLength() {
            return Math.multiplyExact(numElements(), (long) dtype.elemBytes);
        }

        /** Row-major with no gaps: what torch calls contiguous (strides of size-1 dims do not matter). */
        public boolean isContiguous() {
            long expected = 1;
            for (int i = shape.size() - 1; i >= 0; i--) {
                long size = shape.get(i);
                if (size == 0) return true;
                if (size != 1 && strides.get(i) != expected) return false;
                expected *= size;
            }
            return true;
        }
    }

    /** A storage as a persistent id announces it. */
    private record Storage(String key, DType dtype, long numElements) {}

    /** The callables the allowed globals stand for. */
    private enum Callable { REBUILD_TENSOR_V2, ORDERED_DICT }

    /** A tensor as {@code _rebuild_tensor_v2} receives it, before it has a name. */
    private record Rebuilt(Storage storage, long offset, List<Long> shape, List<Long> strides) {}

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final List<TorchTensor> tensors;
    private final Map<String, TorchTensor> byName;

    private TorchZipReader(Path file, ZipFile zip, String prefix, List<TorchTensor> tensors) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.tensors = List.copyOf(tensors);
        Map<String, TorchTensor> m = new LinkedHashMap<>();
        for (TorchTensor t : tensors) m.put(t.name(), t);
        this.byName = Collections.unmodifiableMap(m);
    }

    /** Opens and checks {@code file}; throws {@link ConvertException} naming the file (and tensor or global). */
    public static TorchZipReader open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw fail(file, Files.exists(file) ? "not a regular file" : "no such file");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw fail(file, "not a zip archive, so not a PyTorch (1.6+) torch.save file; the legacy pre-1.6 format"
                    + " is not supported (" + e.getMessage() + ")");
        } catch (NoSuchFileException e) {
            throw fail(file, "no such file");
        } catch (IOException e) {
            throw new ConvertException(file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            String prefix = findPrefix(file, zip);
            checkByteOrder(file, zip, prefix);
            byte[] pickle = readPickle(file, zip, prefix + "data.pkl");
            Map<String, Storage> storages = new LinkedHashMap<>();
            Object root = RestrictedUnpickler.load(file + " (" + prefix + "data.pkl)", pickle, hooks(file, storages));
            List<TorchTensor> tensors = tensorsOf(file, root);
            for (Storage s : storages.values()) checkStorageEntry(file, zip, prefix, s);
            for (TorchTensor t : tensors) checkExtent(file, t, storages.get(t.storageKey()));
            return new TorchZipReader(file, zip, prefix, tensors);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** Every tensor, in the pickled dict's order. */
    public List<TorchTensor> tensors() {
        return tensors;
    }

    public Optional<TorchTensor> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Throws naming the file and tensor unless {@code t} is row-major contiguous (the only layout read). */
    public void requireContiguous(TorchTensor t) {
        if (!t.isContiguous()) {
            throw fail(file, "tensor " + t.name() + " is not contiguous (shape " + t.shape() + ", strides "
                    + t.strides() + "); save it after .contiguous()");
        }
    }

    /**
     * The tensor's little-endian bytes from {@code offsetInTensor} to its end, as a stream the
     * caller closes. Only for contiguous tensors.
     */
    public InputStream openStream(TorchTensor t, long offsetInTensor) {
        own(t);
        requireContiguous(t);
        long length = t.byteLength();
        if (offsetInTensor < 0 || offsetInTensor > length) {
            throw new IndexOutOfBoundsException(t.name() + ": offset " + offsetInTensor + " outside [0, " + length + "]");
        }
        ZipEntry entry = zip.getEntry(prefix + "data/" + t.storageKey());
        InputStream in = null;
        try {
            in = zip.getInputStream(entry);
            in.skipNBytes(t.storageOffset() * t.dtype().elemBytes + offsetInTensor);
            return new BoundedInputStream(in, length - offsetInTensor);
        } catch (IOException e) {
            closeQuietly(in);
            throw readFailure(t, e);
        }
    }

    /** All of a contiguous tensor's bytes (below 2 GiB). */
    public byte[] readBytes(TorchTensor t) {
        if (t.byteLength() > Integer.MAX_VALUE - 8) {
            throw fail(file, "tensor " + t.name() + " is " + t.byteLength() + " bytes, too large for one Java array");
        }
        try (InputStream in = openStream(t, 0)) {
            byte[] b = in.readNBytes((int) t.byteLength());
            if (b.length != t.byteLength()) throw new EOFException("storage ended early");
            return b;
        } catch (IOException e) {
            throw readFailure(t, e);
        }
    }

    /** The exception a failed read of {@code t} becomes: names file and tensor. */
    public ConvertException readFailure(TorchTensor t, IOException e) {
        return new ConvertException(file + ": cannot read tensor " + t.name() + " (storage " + prefix + "data/"
                + t.storageKey() + "): " + e.getMessage(), e);
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            throw new ConvertException(file + ": cannot close: " + e.getMessage(), e);
        }
    }

    private void own(TorchTensor t) {
        if (!t.equals(byName.get(t.name()))) {
            throw new IllegalArgumentException(t.name() + " is not a tensor of " + file);
        }
    }

    // ---- archive layout -------------------------------------------------------------------------

    /** The one top-level folder holding data.pkl, with its slash. */
    private static String findPrefix(Path file, ZipFile zip) {
        List<String> found = new ArrayList<>();
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) found.add(name.substring(0, slash + 1));
        }
        if (found.isEmpty()) throw fail(file, "no <folder>/data.pkl entry: not a torch.save zip file");
        if (found.size() > 1) throw fail(file, "several data.pkl entries " + found + ": not a torch.save zip file");
        return found.get(0);
    }

    private static void checkByteOrder(Path file, ZipFile zip, String prefix) {
        ZipEntry e = zip.getEntry(prefix + "byteorder");
        if (e == null) return; // written since PyTorch 2.1; before, storages are little-endian
        String order;
        try (InputStream in = zip.getInputStream(e)) {
            order = new String(in.readNBytes(16), StandardCharsets.US_ASCII).trim();
        } catch (IOException ex) {
            throw new ConvertException(file + ": cannot read " + e.getName() + ": " + ex.getMessage(), ex);
        }
        if (!order.equals("little")) {
            throw fail(file, e.getName() + " is \"" + order + "\"; only little-endian storages are supported");
        }
    }

    private static byte[] readPickle(Path file, ZipFile zip, String name) {
        ZipEntry e = zip.getEntry(name);
        if (e.getSize() > MAX_PICKLE_BYTES) {
            throw fail(file, name + " is " + e.getSize() + " bytes, over the " + MAX_PICKLE_BYTES
                    + "-byte limit for a dict of tensors");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) MAX_PICKLE_BYTES + 1);
            if (b.length > MAX_PICKLE_BYTES) throw fail(file, name + " is over the " + MAX_PICKLE_BYTES + "-byte limit");
            return b;
        } catch (IOException ex) {
            throw new ConvertException(file + ": cannot read " + name + ": " + ex.getMessage(), ex);
        }
    }

    private static void checkStorageEntry(Path file, ZipFile zip, String prefix, Storage s) {
        String name = prefix + "data/" + s.key();
        ZipEntry e = zip.getEntry(name);
        if (e == null) throw fail(file, "storage " + name + " named in data.pkl is missing");
        long expected;
        try {
            expected = Math.multiplyExact(s.numElements(), (long) s.dtype().elemBytes);
        } catch (ArithmeticException overflow) {
            throw fail(file, "storage " + name + " of " + s.numElements() + " elements overflows 64 bits");
        }
        if (e.getSize() != expected) {
            throw fail(file, "storage " + name + " is " + e.getSize() + " bytes, data.pkl says " + s.numElements()
                    + " x " + s.dtype().torchName + " = " + expected + " bytes");
        }
    }

    private static void checkExtent(Path file, TorchTensor t, Storage s) {
        long last = t.storageOffset();
        try {
            if (t.numElements() == 0) return;
            for (int i = 0; i < t.shape().size(); i++) {
                last = Math.addExact(last, Math.multiplyExact(t.shape().get(i) - 1, t.strides().get(i)));
            }
        } catch (ArithmeticException overflow) {
            throw fail(file, "tensor " + t.name() + ": shape " + t.shape() + " / strides " + t.strides() + " overflow");
        }
        if (last >= s.numElements()) {
            throw fail(file, "tensor " + t.name() + " (offset " + t.storageOffset() + ", shape " + t.shape()
                    + ", strides " + t.strides() + ") reaches element " + last + " of storage " + s.key()
                    + ", which has " + s.numElements());
        }
    }

    // ---- pickle semantics -----------------------------------------------------------------------

    private static RestrictedUnpickler.Hooks hooks(Path file, Map<String, Storage> storages) {
        return new RestrictedUnpickler.Hooks() {
            @Override
            public Object global(String module, String name) {
                String qualified = module + "." + name;
                if (qualified.equals(REBUILD_TENSOR_V2)) return Callable.REBUILD_TENSOR_V2;
                if (qualified.equals(ORDERED_DICT)) return Callable.ORDERED_DICT;
                DType storageType = STORAGE_TYPES.get(qualified);
                if (storageType != null) return storageType;
                throw fail(file, "data.pkl refers to global " + qualified
                        + ", which a plain dict of tensors never needs; refused (nothing was executed)");
            }

            @Override
            public Object reduce(Object callable, Tuple args) {
                if (callable == Callable.ORDERED_DICT) {
                    if (args.size() != 0) throw fail(file, "data.pkl calls OrderedDict with arguments; refused");
                    return new LinkedHashMap<>();
                }
                if (callable == Callable.REBUILD_TENSOR_V2) return rebuildTensor(file, args);
                throw fail(file, "data.pkl calls " + RestrictedUnpickler.typeName(callable) + ", which is not callable here");
            }

            @Override
            public Object persistentLoad(Object pid) {
                return storage(file, pid, storages);
            }

            @Override
            public void build(Object obj, Object state) {
                if (obj instanceof Map<?, ?> && state instanceof Map<?, ?> m && m.isEmpty()) return;
                throw fail(file, "data.pkl sets the state of a " + RestrictedUnpickler.typeName(obj) + "; refused");
            }
        };
    }

    /** {@code ('storage', storage_type, key, location, numel)}. */
    private static Storage storage(Path file, Object pid, Map<String, Storage> storages) {
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw fail(file, "data.pkl has persistent id " + RestrictedUnpickler.typeName(pid)
                    + ", expected ('storage', type, key, location, numel)");
        }
        if (!(t.get(1) instanceof DType dtype)) {
            throw fail(file, "data.pkl storage type is " + RestrictedUnpickler.typeName(t.get(1)) + ", not a storage class");
        }
        if (!(t.get(2) instanceof String key) || !STORAGE_KEY.matcher(key).matches()) {
            throw fail(file, "data.pkl storage key " + t.get(2) + " is not a plain name");
        }
        if (!(t.get(4) instanceof Long numel) || numel < 0) {
            throw fail(file, "data.pkl storage " + key + " has element count " + t.get(4));
        }
        Storage s = new Storage(key, dtype, numel);
        Storage before = storages.putIfAbsent(key, s);
        if (before != null && !before.equals(s)) {
            throw fail(file, "data.pkl describes storage " + key + " twice, differently (" + before + " vs " + s + ")");
        }
        return s;
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private static Rebuilt rebuildTensor(Path file, Tuple args) {
        if (args.size() != 6 && args.size() != 7) {
            throw fail(file, "data.pkl calls _rebuild_tensor_v2 with " + args.size() + " arguments, expected 6 or 7");
        }
        if (!(args.get(0) instanceof Storage storage)) {
            throw fail(file, "data.pkl rebuilds a tensor from a " + RestrictedUnpickler.typeName(args.get(0))
                    + ", not a storage");
        }
        if (!(args.get(1) instanceof Long offset) || offset < 0) {
            throw fail(file, "data.pkl tensor storage offset " + args.get(1) + " is not a non-negative int");
        }
        List<Long> shape = longs(file, args.get(2), "size");
        List<Long> strides = longs(file, args.get(3), "stride");
        if (shape.size() != strides.size()) {
            throw fail(file, "data.pkl tensor has size " + shape + " but stride " + strides);
        }
        if (!(args.get(4) instanceof Boolean)) throw fail(file, "data.pkl tensor requires_grad is not a bool");
        for (int i = 5; i < args.size(); i++) {
            if (!(args.get(i) instanceof Map<?, ?> m) || !m.isEmpty()) {
                throw fail(file, "data.pkl tensor carries backward hooks or metadata; refused");
            }
        }
        return new Rebuilt(storage, offset, shape, strides);
    }

    private static List<Long> longs(Path file, Object o, String what) {
        if (!(o instanceof Tuple t)) throw fail(file, "data.pkl tensor " + what + " is not a tuple");
        List<Long> out = new ArrayList<>();
        for (Object v : t.items()) {
            if (!(v instanceof Long l) || l < 0) throw fail(file, "data.pkl tensor " + what + " holds " + v);
            out.add(l);
        }
        return out;
    }

    private static List<TorchTensor> tensorsOf(Path file, Object root) {
        if (!(root instanceof Map<?, ?> dict)) {
            throw fail(file, "data.pkl holds a " + RestrictedUnpickler.typeName(root) + ", expected a dict of tensors");
        }
        List<TorchTensor> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw fail(file, "data.pkl dict key " + RestrictedUnpickler.typeName(e.getKey()) + " is not a string");
            }
            if (!(e.getValue() instanceof Rebuilt r)) {
                throw fail(file, "data.pkl entry " + name + " is a " + RestrictedUnpickler.typeName(e.getValue())
                        + ", not a tensor");
            }
            out.add(new TorchTensor(name, r.storage().dtype(), r.shape(), r.strides(), r.storage().key(), r.offset()));
        }
        return out;
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static ConvertException fail(Path file, String what) {
        return new ConvertException(file + ": " + what);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception suppressed) {
            // the error being reported matters more than a failed close
        }
    }
}
