package org.tramontane.weights;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.tramontane.config.DType;

/**
 * One safetensors file, header parsed and checked; the tensor data is not loaded.
 *
 * <p>Layout: an 8-byte little-endian u64 N, N bytes of UTF-8 JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data section,
 * which starts at byte 8 + N) plus an optional {@code "__metadata__"} string map, then the data.
 * Every tensor's extent is checked against the file before a {@link TensorInfo} is handed out, so
 * the native backend can map the file and trust the offsets. Reads go through positional
 * {@link FileChannel} calls with {@code long} offsets, so files beyond 2 GiB work; nothing stays
 * open between calls.
 */
public final class SafetensorsFile {
    /** Same bound as the reference implementation: a larger header is corrupt, not a big model. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    /** Duplicate keys are checked by hand, so the message can say which tensor is doubled. */
    private static final JsonFactory JSON = new JsonFactory();

    private final Path path;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;

    private SafetensorsFile(Path path, long dataStart, Map<String, String> metadata, List<TensorInfo> tensors) {
        this.path = path;
        this.dataStart = dataStart;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        for (TensorInfo t : tensors) m.put(t.name(), t);
        this.byName = Collections.unmodifiableMap(m);
    }

    /** A tensor as the header states it, before its extent is checked against the file. */
    private record Entry(String name, DType dtype, List<Long> shape, long begin, long end) {
        String offsets() {
            return "[" + begin + ", " + end + "]";
        }
    }

    /** Reads and checks the header of {@code path}; throws {@link WeightsException} naming the file and tensor at fault. */
    public static SafetensorsFile open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 8) {
                throw fail(path, "file is " + fileSize + " bytes, too short for a safetensors header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, path);
            long headerLen = lenBuf.getLong(0);
            // a u64 with the top bit set reads as negative: also far beyond the bound
            if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
                throw fail(path, "header length " + Long.toUnsignedString(headerLen) + " exceeds the "
                        + MAX_HEADER_BYTES + "-byte limit (not a safetensors file?)");
            }
            if (headerLen > fileSize - 8) {
                throw fail(path, "header length " + headerLen + " is larger than the file allows (" + fileSize
                        + " bytes): truncated or not a safetensors file");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8, path);
            long dataStart = 8 + headerLen;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = parseHeader(path, header.array(), metadata);
            List<TensorInfo> tensors = check(path, entries, fileSize - dataStart, dataStart);
            return new SafetensorsFile(path, dataStart, metadata, tensors);
        } catch (NoSuchFileException e) {
            throw fail(path, "no such file");
        } catch (IOException e) {
            throw new WeightsException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    /** Absolute offset of the data section: 8 + header length. */
    public long dataStart() {
        return dataStart;
    }

    /** The header's {@code __metadata__} in header order; empty when absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** All tensors in header order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public TensorInfo tensor(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) throw fail(path, "no tensor " + name);
        return t;
    }

    /** The tensor's raw little-endian bytes; for tests, tools and small tensors (below 2 GiB). */
    public byte[] readBytes(TensorInfo t) {
        return TensorReads.readBytes(own(t));
    }

    /** The tensor's elements widened exactly to float32 (F32, F16, BF16; I8 is refused: it needs its scale). */
    public float[] readFloats(TensorInfo t) {
        return TensorReads.readFloats(own(t));
    }

    /** Fills {@code dst} from the tensor's bytes starting {@code offsetInTensor} bytes into it, for streaming. */
    public void read(TensorInfo t, long offsetInTensor, ByteBuffer dst) {
        TensorReads.read(own(t), offsetInTensor, dst);
    }

    private TensorInfo own(TensorInfo t) {
        if (!t.file().equals(path)) {
            throw new IllegalArgumentException(t.name() + " lives in " + t.file() + ", not in " + path);
        }
        return t;
    }

    static WeightsException fail(Path path, String what) {
        return new WeightsException(path + ": " + what);
    }

    static void readFully(FileChannel ch, ByteBuffer dst, long position, Path path) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) throw fail(path, "file ended at byte " + pos + " while reading (truncated?)");
            pos += n;
        }
    }

    // ---- header JSON --------------------------------------------------------------------------

    private static List<Entry> parseHeader(Path path, byte[] json, Map<String, String> metadata) {
        List<Entry> entries = new ArrayList<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw fail(path, "header is not a JSON object");
            }
            Set<String> seen = new HashSet<>();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (!seen.add(name)) throw fail(path, "tensor " + name + " appears twice in the header");
                p.nextToken();
                if (METADATA_KEY.equals(name)) {
                    parseMetadata(path, p, metadata);
                } else {
                    entries.add(parseEntry(path, p, name));
                }
            }
            if (t != JsonToken.END_OBJECT) throw fail(path, "header JSON object is not closed");
            // the reference writer pads with spaces; anything else after the object is corruption
            if (p.nextToken() != null) throw fail(path, "unexpected data after the header JSON object");
        } catch (JsonProcessingException e) {
            throw fail(path, "header is not valid JSON: " + oneLine(e));
        } catch (IOException e) {
            throw fail(path, "cannot parse header: " + e.getMessage());
        }
        return entries;
    }

    private static void parseMetadata(Path path, JsonParser p, Map<String, String> metadata) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw fail(path, METADATA_KEY + " is not a JSON object");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (metadata.containsKey(key)) throw fail(path, METADATA_KEY + " key " + key + " appears twice");
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw fail(path, METADATA_KEY + " value of " + key + " is not a string");
            }
            metadata.put(key, p.getText());
        }
    }

    private static Entry parseEntry(Path path, JsonParser p, String name) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw fail(path, "tensor " + name + ": header entry is not a JSON object");
        }
        String dtypeName = null;
        List<Long> shape = null;
        List<Long> offsets = null;
        Set<String> seen = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            if (!seen.add(field)) throw fail(path, "tensor " + name + ": " + field + " appears twice");
            JsonToken v = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (v != JsonToken.VALUE_STRING) throw fail(path, "tensor " + name + ": dtype is not a string");
                    dtypeName = p.getText();
                }
                case "shape" -> shape = parseUnsignedArray(path, p, name, "shape");
                case "data_offsets" -> offsets = parseUnsignedArray(path, p, name, "data_offsets");
                // unknown fields are a newer writer's business, not an error
                default -> p.skipChildren();
            }
        }
        if (dtypeName == null) throw fail(path, "tensor " + name + ": no dtype");
        if (shape == null) throw fail(path, "tensor " + name + ": no shape");
        if (offsets == null) throw fail(path, "tensor " + name + ": no data_offsets");
        if (offsets.size() != 2) {
            throw fail(path, "tensor " + name + ": data_offsets must be [begin, end], got " + offsets);
        }
        DType dtype = dtypeOf(path, name, dtypeName);
        return new Entry(name, dtype, shape, offsets.get(0), offsets.get(1));
    }

    private static DType dtypeOf(Path path, String name, String dtypeName) {
        for (DType d : DType.values()) {
            if (d.safetensorsName.equals(dtypeName)) return d;
        }
        String known = Arrays.stream(DType.values()).map(d -> d.safetensorsName).collect(Collectors.joining(", "));
        throw fail(path, "tensor " + name + ": unsupported dtype " + dtypeName + " (supported: " + known + ")");
    }

    private static List<Long> parseUnsignedArray(Path path, JsonParser p, String name, String field) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw fail(path, "tensor " + name + ": " + field + " is not an array");
        }
        List<Long> values = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw fail(path, "tensor " + name + ": " + field + " holds a non-integer " + p.getText());
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw fail(path, "tensor " + name + ": " + field + " value " + p.getText() + " is out of range");
            }
            long v = p.getLongValue();
            if (v < 0) throw fail(path, "tensor " + name + ": " + field + " value " + v + " is negative");
            values.add(v);
        }
        return values;
    }

    private static String oneLine(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        String where = loc == null ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr();
        return e.getOriginalMessage().replaceAll("\\s+", " ") + where;
    }

    // ---- extents ------------------------------------------------------------------------------

    private static List<TensorInfo> check(Path path, List<Entry> entries, long dataLen, long dataStart) {
        List<TensorInfo> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            if (e.end < e.begin) {
                throw fail(path, "tensor " + e.name + ": data_offsets " + e.offsets() + " end before they begin");
            }
            long bytes;
            try {
                long elems = 1;
                for (long d : e.shape) elems = Math.multiplyExact(elems, d);
                bytes = Math.multiplyExact(elems, (long) e.dtype.elemBytes);
            } catch (ArithmeticException overflow) {
                throw fail(path, "tensor " + e.name + ": shape " + e.shape + " is too large (byte size overflows 64 bits)");
            }
            if (bytes != e.end - e.begin) {
                throw fail(path, "tensor " + e.name + ": dtype " + e.dtype.safetensorsName + " x shape " + e.shape
                        + " = " + bytes + " bytes, but data_offsets " + e.offsets() + " span " + (e.end - e.begin));
            }
            if (e.end > dataLen) {
                throw fail(path, "tensor " + e.name + ": data_offsets " + e.offsets() + " reach past the data section ("
                        + dataLen + " bytes): file truncated or offsets wrong");
            }
            out.add(new TensorInfo(e.name, e.dtype, e.shape, path, dataStart + e.begin, bytes));
        }
        checkNoOverlap(path, entries);
        return out;
    }

    /**
     * Sorted by begin, the non-empty tensors must tile the data section from byte 0 without overlap
     * or gap, as the reference implementation requires: a gap is bytes no tensor owns, the mark of
     * a file edited or written wrongly.
     */
    private static void checkNoOverlap(Path path, List<Entry> entries) {
        List<Entry> sorted = entries.stream()
                .filter(e -> e.end > e.begin)
                .sorted(Comparator.comparingLong(Entry::begin))
                .toList();
        Entry furthest = null;
        for (Entry e : sorted) {
            if (furthest != null && e.begin < furthest.end) {
                throw fail(path, "tensors " + furthest.name + " " + furthest.offsets() + " and " + e.name + " "
                        + e.offsets() + " overlap");
            }
            long expected = furthest == null ? 0 : furthest.end;
            if (e.begin > expected) {
                throw fail(path, "tensor " + e.name + " " + e.offsets() + " leaves a gap of " + (e.begin - expected)
                        + " bytes before it" + (furthest == null ? "" : " (after " + furthest.name + ")"));
            }
            if (furthest == null || e.end > furthest.end) furthest = e;
        }
    }
}
