package org.tramontane.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** A safetensors file as a list of tensors a case edits, written back contiguous (or with a gap when asked). */
final class Tensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tensor: its header fields and its bytes. */
    static final class Tensor {
        String name;
        String dtype;
        long[] shape;
        byte[] data;

        Tensor(String name, String dtype, long[] shape, byte[] data) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.data = data;
        }

        ByteBuffer floats() {
            return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    final List<Tensor> tensors = new ArrayList<>();
    /** Bytes left between the first and the second tensor's data. */
    int gapAfterFirst;

    static Tensors read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = (int) b.getLong(0);
        JsonNode header = JSON.readTree(new String(all, 8, headerLen, StandardCharsets.UTF_8));
        Tensors t = new Tensors();
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) entries.add(e);
        }
        entries.sort(Comparator.comparingLong(e -> e.getValue().get("data_offsets").get(0).asLong()));
        for (Map.Entry<String, JsonNode> e : entries) {
            JsonNode v = e.getValue();
            int begin = 8 + headerLen + v.get("data_offsets").get(0).asInt();
            int end = 8 + headerLen + v.get("data_offsets").get(1).asInt();
            long[] shape = new long[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = v.get("shape").get(i).asLong();
            byte[] data = new byte[end - begin];
            System.arraycopy(all, begin, data, 0, data.length);
            t.tensors.add(new Tensor(e.getKey(), v.get("dtype").asText(), shape, data));
        }
        return t;
    }

    Tensor get(String name) {
        for (Tensor t : tensors) {
            if (t.name.equals(name)) return t;
        }
        throw new AssertionError("no tensor " + name);
    }

    Tensors remove(String name) {
        tensors.remove(get(name));
        return this;
    }

    /** Writes the tensors in list order; a linked file is replaced, not written through. */
    void write(Path file) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            ObjectNode e = header.putObject(t.name);
            e.put("dtype", t.dtype);
            var shape = e.putArray("shape");
            for (long dim : t.shape) shape.add(dim);
            e.putArray("data_offsets").add(offset).add(offset + t.data.length);
            offset += t.data.length + (i == 0 ? gapAfterFirst : 0);
        }
        byte[] h = JSON.writeValueAsBytes(header);
        Files.deleteIfExists(file);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            for (int i = 0; i < tensors.size(); i++) {
                out.write(tensors.get(i).data);
                if (i == 0) out.write(new byte[gapAfterFirst]);
            }
        }
    }

    /** Reads, edits and writes back {@code file}. */
    static void edit(Path file, Edit edit) throws IOException {
        Tensors t = read(file);
        edit.apply(t);
        t.write(file);
    }

    @FunctionalInterface
    interface Edit {
        void apply(Tensors t) throws IOException;
    }
}
