package org.tramontane.weights;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.tramontane.config.DType;

/**
 * Refuses a float tensor holding NaN or an infinity: one such weight makes every logit NaN, and
 * greedy decoding then prints {@code <unk>} with exit 0. Reads the file mapped, a window at a time,
 * testing the exponent bits only (all ones is NaN or Inf in F32, F16 and BF16 alike).
 */
final class FiniteCheck {
    /** Mapped at most this much at a time, so a tensor beyond 2 GiB is checked in pieces. */
    private static final long WINDOW = 1L << 28;

    private FiniteCheck() {}

    static void requireFinite(TensorInfo t) {
        if (!t.dtype().isFloat()) return;
        int width = t.dtype().elemBytes;
        try (FileChannel ch = FileChannel.open(t.file(), StandardOpenOption.READ)) {
            for (long done = 0; done < t.byteLength(); done += WINDOW) {
                long len = Math.min(WINDOW, t.byteLength() - done);
                MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, t.dataOffset() + done, len);
                b.order(ByteOrder.LITTLE_ENDIAN);
                int bad = firstNonFinite(t.dtype(), b, (int) (len / width));
                if (bad >= 0) {
                    throw SafetensorsFile.fail(t.file(), "tensor " + t.name() + " holds NaN or Inf ("
                            + where(t, done / width + bad) + ")");
                }
            }
        } catch (IOException e) {
            throw new WeightsException(t.file() + ": cannot read tensor " + t.name() + ": " + e.getMessage(), e);
        }
    }

    /** "row 3, column 7" of a matrix, else "element 199". */
    private static String where(TensorInfo t, long element) {
        if (t.rank() != 2) return "element " + element;
        return "row " + element / t.dim(1) + ", column " + element % t.dim(1);
    }

    private static int firstNonFinite(DType dtype, MappedByteBuffer b, int count) {
        switch (dtype.elemBytes) {
            case 4 -> {
                for (int i = 0; i < count; i++) {
                    if ((b.getInt(i * 4) & 0x7f800000) == 0x7f800000) return i;
                }
            }
            case 2 -> {
                int mask = dtype == DType.F16 ? 0x7c00 : 0x7f80;
                for (int i = 0; i < count; i++) {
                    if ((b.getShort(i * 2) & mask) == mask) return i;
                }
            }
            default -> throw new IllegalArgumentException("no finiteness test for " + dtype);
        }
        return -1;
    }
}
