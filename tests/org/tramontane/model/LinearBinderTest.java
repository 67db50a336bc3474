package org.tramontane.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.RandomRef;
import org.tramontane.backend.WeightRef;
import org.tramontane.backend.cpu.CpuBackend;
import org.tramontane.config.DType;
import org.tramontane.config.Precision;
import org.tramontane.config.QuantScheme;
import org.tramontane.parallel.Split;
import org.tramontane.parallel.TensorShard;
import org.tramontane.testing.Fixtures;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.TensorInfo;

/**
 * Quantizing at load a block of rows at a time gives exactly the weight quantized whole, for
 * stacked parts, column and row shards; and a run of a checkpoint's rows loads those rows.
 */
class LinearBinderTest {
    private static final int K = 24;
    private final CpuBackend b = new CpuBackend(Precision.FP32);

    @AfterEach
    void close() {
        b.close();
    }

    /** Two stacked parts of 13 and 9 rows (an odd split, so blocks straddle the parts). */
    private static List<RandomRef> parts() {
        return List.of(RandomRef.whole(7, 0.5f, 13, K), RandomRef.whole(8, 0.25f, 9, K));
    }

    private LinearBinder.FloatParts random() {
        return cuts -> {
            List<RandomRef> pieces = new ArrayList<>();
            for (int i = 0; i < parts().size(); i++) pieces.addAll(List.of(cuts.get(i).of(parts().get(i))));
            return LinearBinder.ofRandom(b, pieces);
        };
    }

    /**
     * The weight's dequantized values, read through a W8A16 linear with one-hot inputs: out[c, n] =
     * q[n, c] * scale[n] exactly, so equal outputs mean equal int8 values and scales.
     */
    private float[] dequantized(DeviceTensor w) {
        long cols = w.shape()[w.shape().length - 1];
        DeviceTensor x = b.allocate(DType.F32, cols, cols);
        float[] eye = new float[(int) (cols * cols)];
        for (int i = 0; i < cols; i++) eye[i * (int) cols + i] = 1f;
        b.write(x, eye);
        DeviceTensor out = b.allocate(DType.F32, cols, w.shape()[0]);
        b.linear(x, w, out);
        float[] v = new float[(int) out.numElements()];
        b.read(out, v);
        return v;
    }

    @ParameterizedTest
    @CsvSource({"REPLICATED,1,0", "COLUMN,2,1", "ROW,2,1", "ROW,4,3"})
    void blocksOfRowsEqualTheWholeWeight(Split split, int shardParts, int index) {
        TensorShard shard = split == Split.REPLICATED ? TensorShard.REPLICATED : new TensorShard(split, shardParts, index);
        List<TensorShard> shards = List.of(shard, shard);
        // the reference: every whole row in f32 at once, quantized in one call
        List<RandomRef> whole = new ArrayList<>();
        for (RandomRef p : parts()) whole.addAll(List.of(shard.wholeRows().of(p)));
        DeviceTensor f = b.randomWeight(DType.F32, whole.toArray(RandomRef[]::new));
        DeviceTensor want = b.quantizeWeight(f, shard.firstCol(K), shard.numCols(K), QuantScheme.W8A16.activationMode);
        for (int rowsPerBlock : new int[] {1, 5, 22, 100}) {
            DeviceTensor got = new LinearBinder(b, QuantScheme.W8A16, 4L * K * rowsPerBlock).bind(random(), shards);
            assertArrayEquals(want.shape(), got.shape(), "blocks of " + rowsPerBlock);
            assertArrayEquals(dequantized(want), dequantized(got), "blocks of " + rowsPerBlock + " rows");
        }
    }

    /** Float linears stay whole, in the precision's dtype. */
    @Test
    void floatLinearsLoadWhole() {
        DeviceTensor got = new LinearBinder(b, null, 1).bind(random(), List.of(TensorShard.REPLICATED, TensorShard.REPLICATED));
        float[] v = new float[(int) got.numElements()];
        b.read(got, v);
        float[] want = new float[v.length];
        b.read(b.randomWeight(DType.F32, parts().toArray(RandomRef[]::new)), want);
        assertArrayEquals(want, v);
    }

    /** Rows [first, first + count) of two stacked checkpoint tensors are those rows of the whole stack. */
    @Test
    void aRunOfFileRowsIsThoseRows() {
        Checkpoint ckpt = Checkpoint.open(Fixtures.dir("tiny-mixtral"));
        List<WeightRef> pieces = new ArrayList<>();
        for (String name : List.of("model.layers.0.block_sparse_moe.experts.0.w1.weight",
                "model.layers.0.block_sparse_moe.experts.1.w1.weight")) {
            TensorInfo t = ckpt.tensor(name);
            pieces.add(new WeightRef(t.file(), t.dataOffset(), t.byteLength(), t.dtype(),
                    t.shape().stream().mapToLong(Long::longValue).toArray()));
        }
        LinearBinder.StackedRows rows = LinearBinder.ofFile(b, pieces);
        assertEquals(256, rows.rows());
        assertEquals(64, rows.cols());
        float[] all = new float[256 * 64];
        b.read(rows.load(DType.F32, 0, 256), all);
        for (int[] run : new int[][] {{0, 1}, {100, 56}, {127, 2}, {128, 128}, {5, 250}}) {
            DeviceTensor t = rows.load(DType.F32, run[0], run[1]);
            assertArrayEquals(new long[] {run[1], 64}, t.shape());
            float[] v = new float[run[1] * 64];
            b.read(t, v);
            assertArrayEquals(Arrays.copyOfRange(all, run[0] * 64, (run[0] + run[1]) * 64), v, "rows " + Arrays.toString(run));
        }
    }
}
