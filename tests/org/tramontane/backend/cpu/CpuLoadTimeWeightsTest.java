package org.tramontane.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tramontane.config.ActivationQuant;
import org.tramontane.config.DType;
import org.tramontane.backend.DeviceTensor;
import org.tramontane.config.Precision;
import org.tramontane.backend.QuantizedTensor;
import org.tramontane.backend.RandomRef;
import org.tramontane.parallel.Split;
import org.tramontane.parallel.TensorShard;
import org.tramontane.quant.WeightQuantizer;

/**
 * The two load-time weight operations: random blocks addressed by element index (a shard of a
 * dummy weight is that shard of the whole draw) and per-output-row int8 quantization (bit for bit
 * the Java reference; a column slice keeps the whole row's scale).
 */
class CpuLoadTimeWeightsTest {
    private final CpuBackend b = new CpuBackend(Precision.FP32);

    @AfterEach
    void close() {
        b.close();
    }

    private float[] read(DeviceTensor t) {
        float[] v = new float[(int) t.numElements()];
        b.read(t, v);
        return v;
    }

    private byte[] readI8(DeviceTensor t) {
        int n = (int) t.numElements();
        DeviceTensor staging = b.allocate(DType.I32, (n + 3) / 4);
        Pointer.memcpy(new Raw(((CpuTensor) staging).addr()), new Raw(((CpuTensor) t).addr()), n);
        int[] packed = new int[(n + 3) / 4];
        b.read(staging, packed);
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) out[i] = (byte) (packed[i / 4] >>> (8 * (i % 4)));
        return out;
    }

    private static final class Raw extends Pointer {
        Raw(long address) {
            this.address = address;
        }
    }

    /** Every world size's shard of a random [rows, cols] weight is the same cut of the whole draw. */
    @Test
    void randomShardsAreCutsOfTheWholeDraw() {
        int rows = 12, cols = 8;
        RandomRef whole = RandomRef.whole(42, 0.5f, rows, cols);
        float[] all = read(b.randomWeight(DType.F32, whole));
        assertArrayEquals(all, read(b.randomWeight(DType.F32, 42, 0.5f, rows, cols)));
        for (int parts : new int[] {2, 4}) {
            for (int r = 0; r < parts; r++) {
                float[] col = read(b.randomWeight(DType.F32, new TensorShard(Split.COLUMN, parts, r).of(whole)));
                assertArrayEquals(Arrays.copyOfRange(all, r * rows / parts * cols, (r + 1) * rows / parts * cols), col);
                float[] row = read(b.randomWeight(DType.F32, new TensorShard(Split.ROW, parts, r).of(whole)));
                int per = cols / parts;
                for (int i = 0; i < rows; i++) {
                    assertArrayEquals(Arrays.copyOfRange(all, i * cols + r * per, i * cols + (r + 1) * per),
                            Arrays.copyOfRange(row, i * per, (i + 1) * per), "row " + i + " rank " + r + "/" + parts);
                }
            }
        }
        // blocks of different runs stacked: the two halves in reverse order
        float[] swapped = read(b.randomWeight(DType.F32, whole.sub(6L * cols, 6, cols), whole.sub(0, 6, cols)));
        assertArrayEquals(Arrays.copyOfRange(all, 6 * cols, rows * cols), Arrays.copyOfRange(swapped, 0, 6 * cols));
        assertArrayEquals(Arrays.copyOfRange(all, 0, 6 * cols), Arrays.copyOfRange(swapped, 6 * cols, rows * cols));
    }

    /** Whole rows: bit for bit WeightQuantizer; a column slice: the same int8 columns and the whole row's scales. */
    @Test
    void quantizeWeightMatchesTheReferenceAndSlicesKeepWholeRowScales() {
        int n = 16, k = 24;
        Random rnd = new Random(3);
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.05f;
        Arrays.fill(w, 3 * k, 4 * k, 0f); // a row of zeros: scale 0, values 0
        WeightQuantizer.QuantizedMatrix ref = WeightQuantizer.quantize(w, n, k);
        DeviceTensor t = b.allocate(DType.F32, n, k);
        b.write(t, w);
        QuantizedTensor whole = (QuantizedTensor) b.quantizeWeight(t, 0, k, ActivationQuant.INT8_PER_TOKEN);
        assertArrayEquals(ref.weight(), readI8(whole.weight()));
        assertArrayEquals(ref.scale(), read(whole.scale()));
        assertArrayEquals(new long[] {n, k}, whole.shape());
        for (int parts : new int[] {2, 4}) {
            int per = k / parts;
            for (int r = 0; r < parts; r++) {
                QuantizedTensor slice = (QuantizedTensor) b.quantizeWeight(t, (long) r * per, per, ActivationQuant.NONE);
                assertArrayEquals(new long[] {n, per}, slice.shape());
                assertArrayEquals(ref.scale(), read(slice.scale()), "scales are the whole rows'");
                byte[] q = readI8(slice.weight());
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(Arrays.copyOfRange(ref.weight(), i * k + r * per, i * k + (r + 1) * per),
                            Arrays.copyOfRange(q, i * per, (i + 1) * per));
                }
            }
        }
        // stacked [E, n, k] gives scales [E, n]
        QuantizedTensor stacked = (QuantizedTensor) b.quantizeWeight(b.reshape(t, 2, n / 2, k), 0, k,
                ActivationQuant.NONE);
        assertArrayEquals(new long[] {2, n / 2}, stacked.scale().shape());
        w[7] = Float.NaN;
        b.write(t, w);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.quantizeWeight(t, 0, k, ActivationQuant.NONE));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }
}
