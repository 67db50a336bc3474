package org.tramontane.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.tramontane.convert.StagedOutputs;

/** NumPy .npy format 1.0, little-endian float32, C order; staged under a temporary name, then renamed ({@link StagedOutputs}). */
final class NpyWriter {
    private NpyWriter() {}

    static void writeF32(Path file, long[] shape, float[] data) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) dims.append(i > 0 ? ", " : "").append(shape[i]);
        if (shape.length == 1) dims.append(',');  // Python's one-element tuple
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        // magic (6) + version (2) + header length (2) + dict, padded with spaces and a newline to 64 bytes
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String header = dict + " ".repeat(total - unpadded) + "\n";
        // the user names a file in a folder of theirs: a missing folder is a mistyped path, not one to make
        Path parent = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) throw new NoSuchFileException(parent.toString(), null, "no such directory");
        try (StagedOutputs staged = StagedOutputs.open()) {
            Path tmp = staged.file(file);
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
                int hl = header.length();
                out.write(new byte[] {(byte) (hl & 0xff), (byte) (hl >> 8)});
                out.write(header.getBytes(StandardCharsets.US_ASCII));
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : data) {
                    if (!buf.hasRemaining()) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(v);
                }
                out.write(buf.array(), 0, buf.position());
            }
            staged.commit();
        }
    }
}
