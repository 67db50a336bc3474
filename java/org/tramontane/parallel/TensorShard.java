package org.tramontane.parallel;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.backend.RandomRef;
import org.tramontane.backend.WeightRef;

/**
 * One rank's part of one tensor: along {@code split}'s axis the tensor is cut into {@code parts}
 * equal pieces and this rank holds piece {@code index}. Replicated KV heads are a COLUMN split
 * with fewer parts than ranks (several ranks hold the same piece).
 */
public record TensorShard(Split split, int parts, int index) {
    public static final TensorShard REPLICATED = new TensorShard(Split.REPLICATED, 1, 0);

    public TensorShard {
        if (parts < 1 || index < 0 || index >= parts) throw new IllegalArgumentException("bad shard " + index + "/" + parts);
    }

    /**
     * The shard of a 2-D (or, replicated, any) weight as contiguous pieces to concatenate along
     * axis 0: one piece for REPLICATED and COLUMN, one per row for ROW.
     */
    public WeightRef[] of(WeightRef w) {
        if (split == Split.REPLICATED || parts == 1) return new WeightRef[] {w};
        long elem = w.dtype().elemBytes;
        return pieces(w.shape()).stream().map(p -> new WeightRef(w.file(), w.dataOffset() + p.firstElem * elem,
                p.rows * p.cols * elem, w.dtype(), p.shape())).toArray(WeightRef[]::new);
    }

    /** The same cut of a block of a random tensor: the pieces hold the full tensor's values. */
    public RandomRef[] of(RandomRef w) {
        if (split == Split.REPLICATED || parts == 1) return new RandomRef[] {w};
        return pieces(w.shape()).stream().map(p -> w.sub(p.firstElem, p.shape())).toArray(RandomRef[]::new);
    }

    /** The rows this shard holds, each whole: a ROW shard keeps every row (per-row quantization scales). */
    public TensorShard wholeRows() {
        return split == Split.ROW ? REPLICATED : this;
    }

    /** First of the input columns this shard holds of a weight with {@code cols} columns. */
    public long firstCol(long cols) {
        return split == Split.ROW ? index * (cols / parts) : 0;
    }

    /** How many input columns this shard holds of a weight with {@code cols} columns. */
    public long numCols(long cols) {
        return split == Split.ROW ? cols / parts : cols;
    }

    /** A contiguous piece: {@code rows x cols} elements starting at element {@code firstElem}. */
    private record Piece(long firstElem, long rows, long cols) {
        long[] shape() {
            return new long[] {rows, cols};
        }
    }

    /** The pieces of a split (not replicated) 2-D [rows, cols] tensor. */
    private List<Piece> pieces(long[] s) {
        if (s.length != 2) throw new IllegalArgumentException("only 2-D weights are sharded, got rank " + s.length);
        long rows = s[0], cols = s[1];
        if (split == Split.COLUMN) {
            long per = rows / parts;
            return List.of(new Piece(index * per * cols, per, cols));
        }
        long per = cols / parts;
        List<Piece> pieces = new ArrayList<>();
        for (long r = 0; r < rows; r++) pieces.add(new Piece(r * cols + index * per, 1, per));
        return pieces;
    }
}
