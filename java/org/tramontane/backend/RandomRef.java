package org.tramontane.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A contiguous block of a deterministic random tensor ({@code --load-format dummy}): the full
 * tensor's elements {@code [firstElemIdx, firstElemIdx + numElements())}, element i being
 * {@code scale * u(seed, i)} with u uniform in [-1, 1). Like {@link WeightRef} for a file, so a
 * shard of a random weight is cut the same way as a shard of a checkpoint tensor, and holds
 * exactly the values of that shard of the whole tensor.
 *
 * @param shape of this block, outermost first, row-major
 */
public record RandomRef(long seed, float scale, long firstElemIdx, long[] shape) {
    public RandomRef {
        if (firstElemIdx < 0) throw new IllegalArgumentException("negative element index " + firstElemIdx);
        shape = shape.clone();
    }

    /** The whole random tensor of this shape. */
    public static RandomRef whole(long seed, float scale, long... shape) {
        return new RandomRef(seed, scale, 0, shape);
    }

    public long numElements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** The block of {@code shape} that starts {@code elemOffset} elements into this one. */
    public RandomRef sub(long elemOffset, long... subShape) {
        return new RandomRef(seed, scale, firstElemIdx + elemOffset, subShape);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return "RandomRef[seed=" + seed + ", scale=" + scale + ", first=" + firstElemIdx + ", shape="
                + Arrays.toString(shape) + "]";
    }

    /**
     * Consecutive blocks of one tensor (same seed and scale) and one length, filled by one native
     * call: a row-parallel shard is one block per row.
     */
    public record Runs(long seed, float scale, long[] starts, long runElems) {
        public long numElements() {
            return starts.length * runElems;
        }
    }

    /** The shape of {@code parts} stacked along the first axis (each must have the same trailing shape). */
    public static long[] stackedShape(RandomRef... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("no random weight parts");
        long[] first = parts[0].shape;
        long rows = 0;
        for (RandomRef p : parts) {
            if (p.shape.length != first.length
                    || !Arrays.equals(p.shape, 1, p.shape.length, first, 1, first.length)) {
                throw new IllegalArgumentException("cannot stack " + Arrays.toString(p.shape) + " under "
                        + Arrays.toString(first));
            }
            rows += p.shape[0];
        }
        long[] s = first.clone();
        s[0] = rows;
        return s;
    }

    /** {@code parts} in order, grouped into {@link Runs}. */
    public static List<Runs> runs(RandomRef... parts) {
        List<Runs> out = new ArrayList<>();
        int i = 0;
        while (i < parts.length) {
            RandomRef p = parts[i];
            int j = i + 1;
            while (j < parts.length && parts[j].seed == p.seed && parts[j].scale == p.scale
                    && parts[j].numElements() == p.numElements()) {
                j++;
            }
            long[] starts = new long[j - i];
            for (int r = i; r < j; r++) starts[r - i] = parts[r].firstElemIdx;
            out.add(new Runs(p.seed, p.scale, starts, p.numElements()));
            i = j;
        }
        return out;
    }
}
