package org.tramontane.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-made safetensors files for the failure tests: exact bytes, no writer involved. */
final class BadFiles {
    private BadFiles() {}

    /** Writes length (as given), header JSON and {@code dataBytes} zero bytes. */
    static Path raw(Path file, long headerLen, String json, long dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + (int) dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLen).put(h);
        Files.write(file, b.array());
        return file;
    }

    /** A well-formed length prefix for {@code json}. */
    static Path file(Path file, String json, long dataBytes) throws IOException {
        return raw(file, json.getBytes(StandardCharsets.UTF_8).length, json, dataBytes);
    }

    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }
}
