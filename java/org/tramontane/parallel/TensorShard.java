package org.tramontane.parallel;

import java.util.ArrayList;
import java.util.List;
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
        long[] s = w.shape();
        if (s.length != 2) throw new IllegalArgumentException("only 2-D weights are sharded, got rank " + s.length);
        long rows = s[0], cols = s[1];
        long elem = w.dtype().elemBytes;
        if (split == Split.COLUMN) {
            long per = rows / parts;
            return new WeightRef[] {new WeightRef(w.file(), w.dataOffset() + index * per * cols * elem,
                    per * cols * elem, w.dtype(), new long[] {per, cols})};
        }
        long per = cols / parts;
        List<WeightRef> pieces = new ArrayList<>();
        for (long r = 0; r < rows; r++) {
            pieces.add(new WeightRef(w.file(), w.dataOffset() + (r * cols + index * per) * elem, per * elem, w.dtype(),
                    new long[] {1, per}));
        }
        return pieces.toArray(WeightRef[]::new);
    }
}
