package org.tramontane.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Positional reads of a checked tensor's bytes into the Java heap. Inference never comes here
 * (the backend maps the files natively); tests, the writer and converters do. Each call opens
 * the file for its own duration so nothing needs closing.
 */
final class TensorReads {
    private TensorReads() {}

    /** Largest array the JVM reliably allocates. */
    private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    static byte[] readBytes(TensorInfo t) {
        if (t.byteLength() > MAX_ARRAY_BYTES) {
            throw SafetensorsFile.fail(t.file(), "tensor " + t.name() + " is " + t.byteLength()
                    + " bytes, too large for one Java array; read it in pieces");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) t.byteLength());
        read(t, 0, buf);
        return buf.array();
    }

    static float[] readFloats(TensorInfo t) {
        if (!FloatBits.widensToFloat(t.dtype())) {
            throw SafetensorsFile.fail(t.file(), "tensor " + t.name() + " is " + t.dtype().safetensorsName
                    + ", not a float dtype; read its bytes instead");
        }
        if (t.numElements() > MAX_ARRAY_BYTES / 4) {
            throw SafetensorsFile.fail(t.file(), "tensor " + t.name() + " has " + t.numElements()
                    + " elements, too many for one Java float array");
        }
        float[] out = new float[(int) t.numElements()];
        FloatBits.widen(t.dtype(), ByteBuffer.wrap(readBytes(t)), out);
        return out;
    }

    static void read(TensorInfo t, long offsetInTensor, ByteBuffer dst) {
        if (offsetInTensor < 0 || offsetInTensor + dst.remaining() > t.byteLength()) {
            throw new IndexOutOfBoundsException(t.name() + ": bytes [" + offsetInTensor + ", "
                    + (offsetInTensor + dst.remaining()) + ") outside [0, " + t.byteLength() + ")");
        }
        try (FileChannel ch = FileChannel.open(t.file(), StandardOpenOption.READ)) {
            SafetensorsFile.readFully(ch, dst, t.dataOffset() + offsetInTensor, t.file());
        } catch (IOException e) {
            throw new WeightsException(t.file() + ": cannot read tensor " + t.name() + ": " + e.getMessage(), e);
        }
    }
}
