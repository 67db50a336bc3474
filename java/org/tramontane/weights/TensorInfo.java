package org.tramontane.weights;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.tramontane.config.DType;

/**
 * Where one tensor's bytes live, as checked by {@link SafetensorsFile}: enough for the native
 * backend to map the file and find the tensor without parsing anything itself.
 *
 * <p>The shape is an immutable {@code List<Long>} rather than a {@code long[]} so that the record's
 * equals/hashCode/toString compare dimensions, not array identity; headers hold at most a few
 * thousand tensors, so boxing costs nothing that matters. Dimensions are {@code long} because
 * safetensors allows u64 sizes.
 *
 * @param shape      row-major dimensions, outermost first; empty for a scalar
 * @param file       the safetensors file holding the data
 * @param dataOffset absolute byte offset of the first element in {@code file} (header included)
 * @param byteLength number of data bytes: dtype.elemBytes * numElements()
 */
public record TensorInfo(String name, DType dtype, List<Long> shape, Path file, long dataOffset, long byteLength) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(file, "file");
        shape = List.copyOf(shape);
        if (dataOffset < 0 || byteLength < 0) {
            throw new IllegalArgumentException(name + ": negative offset or length");
        }
    }

    public int rank() {
        return shape.size();
    }

    public long dim(int axis) {
        return shape.get(axis);
    }

    /** Product of the dimensions (1 for a scalar); the header check guarantees no overflow. */
    public long numElements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Shape as in messages and headers: {@code [32000, 64]}. */
    public String shapeString() {
        return shape.toString();
    }
}
