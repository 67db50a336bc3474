package org.tramontane.weights;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.tramontane.config.DType;

/**
 * Writes a safetensors file in the reference layout: tensors packed back to back in the order
 * given, header JSON with {@code __metadata__} first, padded with spaces so the data section
 * starts on an 8-byte boundary. Tensor data is streamed one tensor at a time from a
 * {@link ByteSource}, so a converter never holds more than one tensor in memory.
 *
 * <p>The file is written under a temporary name in the target's directory and renamed over the
 * target only when complete and flushed, so a failure never leaves a partial file that looks
 * finished; an existing target is replaced atomically (readers that mapped it keep the old data).
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    private static final JsonFactory JSON = new JsonFactory();

    /** Produces one tensor's little-endian bytes; must write exactly the tensor's byte length. */
    @FunctionalInterface
    public interface ByteSource {
        void writeTo(WritableByteChannel out) throws IOException;

        /** The remaining bytes of {@code data} (the buffer itself is not consumed). */
        static ByteSource of(ByteBuffer data) {
            return out -> {
                ByteBuffer b = data.duplicate();
                while (b.hasRemaining()) out.write(b);
            };
        }

        static ByteSource of(byte[] data) {
            return of(ByteBuffer.wrap(data));
        }

        /** Streams an existing tensor's bytes from its file with positional reads (any size). */
        static ByteSource copyOf(TensorInfo t) {
            return out -> {
                try (FileChannel in = FileChannel.open(t.file(), StandardOpenOption.READ)) {
                    long done = 0;
                    while (done < t.byteLength()) {
                        long n = in.transferTo(t.dataOffset() + done, t.byteLength() - done, out);
                        if (n <= 0) throw new IOException(t.file() + " ended inside tensor " + t.name());
                        done += n;
                    }
                }
            };
        }
    }

    /** One tensor to write; {@code shape} row-major, outermost first. */
    public record Tensor(String name, DType dtype, List<Long> shape, ByteSource data) {
        public Tensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(data, "data");
            shape = List.copyOf(shape);
            if (name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("tensor name \"" + name + "\" is reserved or empty");
            }
            for (long d : shape) {
                if (d < 0) throw new IllegalArgumentException(name + ": negative dimension in " + shape);
            }
        }

        /** Copies an existing tensor as is (same name, dtype, shape and bytes). */
        public static Tensor copyOf(TensorInfo t) {
            return new Tensor(t.name(), t.dtype(), t.shape(), ByteSource.copyOf(t));
        }

        public long byteLength() {
            long n = dtype.elemBytes;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }
    }

    /**
     * Writes {@code tensors} in order to {@code target}.
     *
     * @param metadata the header's {@code __metadata__} (insertion order kept); empty writes none
     */
    public static void write(Path target, Map<String, String> metadata, List<Tensor> tensors) {
        Set<String> names = new HashSet<>();
        for (Tensor t : tensors) {
            if (!names.add(t.name())) throw new IllegalArgumentException("tensor " + t.name() + " given twice");
        }
        byte[] header = header(metadata, tensors);
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Tensor t : tensors) {
                    long before = ch.position();
                    t.data().writeTo(ch);
                    long written = ch.position() - before;
                    if (written != t.byteLength()) {
                        throw new WeightsException(target + ": tensor " + t.name() + " source wrote " + written
                                + " bytes, expected " + t.byteLength() + " (" + t.dtype().safetensorsName + " x "
                                + t.shape() + ")");
                    }
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new WeightsException(target + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) deleteQuietly(tmp);
        }
    }

    /** The header JSON, space-padded to a multiple of 8 bytes. */
    static byte[] header(Map<String, String> metadata, List<Tensor> tensors) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart("__metadata__");
                for (Map.Entry<String, String> e : metadata.entrySet()) g.writeStringField(e.getKey(), e.getValue());
                g.writeEndObject();
            }
            long offset = 0;
            for (Tensor t : tensors) {
                long end = Math.addExact(offset, t.byteLength());
                g.writeObjectFieldStart(t.name());
                g.writeStringField("dtype", t.dtype().safetensorsName);
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) g.writeNumber(d);
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(end);
                g.writeEndArray();
                g.writeEndObject();
                offset = end;
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory JSON generation failed", e);
        }
        int pad = (8 - bytes.size() % 8) % 8;
        bytes.writeBytes(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
        return bytes.toByteArray();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException suppressed) {
            // the original failure is what the user needs to see; a stray temp file is harmless
        }
    }
}
