package org.tramontane.model;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.backend.Backend;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.RandomRef;
import org.tramontane.backend.WeightRef;
import org.tramontane.config.DType;
import org.tramontane.config.QuantScheme;
import org.tramontane.parallel.Split;
import org.tramontane.parallel.TensorShard;

/**
 * Binds float linears (a checkpoint's or dummy ones): in the precision's dtype, or quantized per
 * output row when {@code atLoad} is set ({@code --quantize}). Quantizing runs a block of rows at a
 * time into the int8 weight allocated whole up front, so the f32 values of a large fused weight (all
 * experts' w1 of a layer: 1.9 GB at Mixtral-8x7B's dimensions) never sit in memory beside it; only one
 * block of {@code blockBytes} does.
 */
final class LinearBinder {
    /**
     * f32 bytes of the rows quantized at once: small beside any model's weights (under 2% of one
     * 8x7B layer), large enough that each block is one large load and one native call
     * (decisions.md: quantize-block).
     */
    static final long QUANTIZE_BLOCK_BYTES = 64L << 20;

    /** The float values of one fused linear (QKV, stacked experts): its parts, each cut, stacked by rows. */
    @FunctionalInterface
    interface FloatParts {
        /** Part i cut by {@code cuts.get(i)}, concatenated along the output axis. */
        StackedRows cut(List<TensorShard> cuts);
    }

    /** Pieces stacked along their first axis, which the backend loads whole or a run of rows at a time. */
    interface StackedRows {
        long rows();

        /** Elements per row (the weight's input features). */
        long cols();

        /** Rows [first, first + count) converted to {@code target}. */
        DeviceTensor load(DType target, long first, long count);
    }

    private final Backend backend;
    private final QuantScheme atLoad;
    private final long blockBytes;

    /** @param atLoad the scheme to quantize with; null keeps the linears float */
    LinearBinder(Backend backend, QuantScheme atLoad) {
        this(backend, atLoad, QUANTIZE_BLOCK_BYTES);
    }

    LinearBinder(Backend backend, QuantScheme atLoad, long blockBytes) {
        if (blockBytes < 1) throw new IllegalArgumentException("block of " + blockBytes + " bytes");
        this.backend = backend;
        this.atLoad = atLoad;
        this.blockBytes = blockBytes;
    }

    DeviceTensor bind(FloatParts parts, List<TensorShard> shards) {
        if (atLoad == null) {
            StackedRows all = parts.cut(shards);
            return all.load(backend.precision().weightDtype, 0, all.rows());
        }
        // A row-parallel shard keeps a column slice, but its per-row scale is the whole row's
        // (as an offline quantizer computes it): load whole rows in f32, keep the slice.
        TensorShard first = shards.get(0);
        for (TensorShard s : shards) {
            if (s.split() == Split.ROW != (first.split() == Split.ROW)) {
                throw new IllegalArgumentException("parts of one fused weight are cut differently: " + shards);
            }
        }
        StackedRows rows = parts.cut(shards.stream().map(TensorShard::wholeRows).toList());
        long k = rows.cols();
        long numCols = first.numCols(k);
        DeviceTensor into = backend.quantizedWeight(backend.allocate(DType.I8, rows.rows(), numCols),
                backend.allocate(DType.F32, rows.rows()), atLoad.activationMode);
        long perBlock = Math.max(1, blockBytes / (4 * k));
        for (long r = 0; r < rows.rows(); r += perBlock) {
            DeviceTensor f = rows.load(DType.F32, r, Math.min(perBlock, rows.rows() - r));
            try {
                backend.quantizeWeightInto(f, first.firstCol(k), numCols, into, r);
            } finally {
                backend.free(f);
            }
        }
        return into;
    }

    /** Checkpoint tensors (or their shards' pieces) stacked. */
    static StackedRows ofFile(Backend backend, List<WeightRef> pieces) {
        return new Stacked<>(pieces, WeightRef::shape, (p, first, count) -> {
            long rowBytes = p.byteLength() / p.shape()[0];
            return new WeightRef(p.file(), p.dataOffset() + first * rowBytes, count * rowBytes, p.dtype(),
                    rowsShape(p.shape(), count));
        }, (target, run) -> backend.loadWeight(target, run.toArray(WeightRef[]::new)));
    }

    /** Blocks of random tensors ({@code --load-format dummy}) stacked. */
    static StackedRows ofRandom(Backend backend, List<RandomRef> pieces) {
        return new Stacked<>(pieces, RandomRef::shape, (p, first, count) -> p.sub(first * (p.numElements() / p.shape()[0]),
                rowsShape(p.shape(), count)), (target, run) -> backend.randomWeight(target, run.toArray(RandomRef[]::new)));
    }

    private static long[] rowsShape(long[] shape, long rows) {
        long[] s = shape.clone();
        s[0] = rows;
        return s;
    }

    /** Rows [first, first + count) of one piece, as a piece of the same kind. */
    @FunctionalInterface
    private interface RowCut<T> {
        T rows(T piece, long first, long count);
    }

    @FunctionalInterface
    private interface Loader<T> {
        DeviceTensor load(DType target, List<T> run);
    }

    @FunctionalInterface
    private interface ShapeOf<T> {
        long[] shape(T piece);
    }

    private record Stacked<T>(List<T> pieces, ShapeOf<T> shapeOf, RowCut<T> cut, Loader<T> loader) implements StackedRows {
        @Override
        public long rows() {
            long n = 0;
            for (T p : pieces) n += shapeOf.shape(p)[0];
            return n;
        }

        @Override
        public long cols() {
            long[] s = shapeOf.shape(pieces.get(0));
            return s[s.length - 1];
        }

        @Override
        public DeviceTensor load(DType target, long first, long count) {
            if (first == 0 && count == rows()) return loader.load(target, pieces);
            List<T> run = new ArrayList<>();
            long start = 0;
            for (T p : pieces) {
                long r = shapeOf.shape(p)[0];
                long lo = Math.max(first, start);
                long hi = Math.min(first + count, start + r);
                if (lo < hi) run.add(lo == start && hi == start + r ? p : cut.rows(p, lo - start, hi - lo));
                start += r;
            }
            return loader.load(target, run);
        }
    }
}
