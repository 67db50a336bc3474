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
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.tramontane.convert.TorchPickle.Storage;

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
            TorchPickle.Contents pkl = TorchPickle.read(file, prefix + "data.pkl", pickle);
            for (Storage s : pkl.storages().values()) checkStorageEntry(file, zip, prefix, s);
            for (TorchTensor t : pkl.tensors()) checkExtent(file, t, pkl.storages().get(t.storageKey()));
            return new TorchZipReader(file, zip, prefix, pkl.tensors());
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
