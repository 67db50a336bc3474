package org.tramontane.convert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.tramontane.weights.FloatBits;
import org.tramontane.weights.SafetensorsWriter.ByteSource;
import org.tramontane.weights.TensorInfo;
import org.tramontane.quant.WeightQuantizer;

/**
 * Quantizes one float linear weight [out, in] while it is being written, a block of rows at a
 * time, so no more than about {@link #BLOCK_ELEMS} values are held at once (an 8x7B expert
 * is 58.7M values). The three sources must be written in order: {@link #weight()} computes the
 * scales that {@link #scale()} then writes; {@link #offset()} writes zeros.
 */
final class LinearQuantStream {
    /** Values widened per block: 4 MiB of float32. */
    static final int BLOCK_ELEMS = 1 << 20;

    private final TensorInfo src;
    private final int blockElems;
    private final int outFeatures;
    private final int inFeatures;
    private float[] scales;

    LinearQuantStream(TensorInfo src) {
        this(src, BLOCK_ELEMS);
    }

    /** @param blockElems values widened at once (rounded to whole rows, at least one row) */
    LinearQuantStream(TensorInfo src, int blockElems) {
        if (src.rank() != 2) throw new IllegalArgumentException(src.name() + " has shape " + src.shapeString() + ", not [out, in]");
        if (!FloatBits.widensToFloat(src.dtype())) {
            throw new IllegalArgumentException(src.name() + " is " + src.dtype().safetensorsName + ", not a float dtype");
        }
        if (src.dim(0) > Integer.MAX_VALUE || src.dim(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(src.name() + " shape " + src.shapeString() + " is too large");
        }
        this.src = src;
        this.blockElems = blockElems;
        this.outFeatures = (int) src.dim(0);
        this.inFeatures = (int) src.dim(1);
    }

    /** [out, 1], as msModelSlim stores scale and offset. */
    List<Long> scaleShape() {
        return List.of((long) outFeatures, 1L);
    }

    /** The int8 weight [out, in], row-major; records the scales. */
    ByteSource weight() {
        return this::writeWeight;
    }

    /** The float32 scales [out, 1]; only after {@link #weight()} was written. */
    ByteSource scale() {
        return out -> {
            if (scales == null) throw new IllegalStateException(src.name() + ": scale written before weight");
            ByteBuffer b = ByteBuffer.allocate(outFeatures * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float s : scales) b.putFloat(s);
            b.flip();
            while (b.hasRemaining()) out.write(b);
        };
    }

    /** Zero points [out, 1]: all 0 (symmetric). */
    ByteSource offset() {
        return ByteSource.of(new byte[outFeatures * 4]);
    }

    private void writeWeight(WritableByteChannel out) throws IOException {
        float[] rowScales = new float[outFeatures];
        int rowsPerBlock = Math.max(1, Math.min(outFeatures, blockElems / Math.max(1, inFeatures)));
        int elemBytes = src.dtype().elemBytes;
        ByteBuffer raw = ByteBuffer.allocate(rowsPerBlock * inFeatures * elemBytes);
        float[] w = new float[rowsPerBlock * inFeatures];
        byte[] q = new byte[rowsPerBlock * inFeatures];
        try (FileChannel in = FileChannel.open(src.file(), StandardOpenOption.READ)) {
            for (int row0 = 0; row0 < outFeatures; row0 += rowsPerBlock) {
                int rows = Math.min(rowsPerBlock, outFeatures - row0);
                int elems = rows * inFeatures;
                raw.clear().limit(elems * elemBytes);
                long pos = src.dataOffset() + (long) row0 * inFeatures * elemBytes;
                while (raw.hasRemaining()) {
                    int n = in.read(raw, pos);
                    if (n < 0) throw new IOException(src.file() + " ended inside tensor " + src.name());
                    pos += n;
                }
                raw.flip();
                float[] block = elems == w.length ? w : new float[elems];
                FloatBits.widen(src.dtype(), raw, block);
                for (int r = 0; r < rows; r++) {
                    rowScales[row0 + r] = quantizeRow(block, r, q, row0 + r);
                }
                ByteBuffer bytes = ByteBuffer.wrap(q, 0, elems);
                while (bytes.hasRemaining()) out.write(bytes);
            }
        }
        scales = rowScales;
    }

    private float quantizeRow(float[] block, int r, byte[] q, int rowIdx) {
        try {
            return WeightQuantizer.quantizeRow(block, r * inFeatures, inFeatures, q, r * inFeatures, rowIdx);
        } catch (IllegalArgumentException notFinite) {
            throw new ConvertException(src.file() + ": tensor " + src.name() + " cannot be quantized: "
                    + notFinite.getMessage(), notFinite);
        }
    }
}
