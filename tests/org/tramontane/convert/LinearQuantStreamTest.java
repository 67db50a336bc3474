package org.tramontane.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import org.junit.jupiter.api.Test;
import org.tramontane.quant.QuantFixtures;
import org.tramontane.weights.Checkpoint;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.SafetensorsWriter.ByteSource;
import org.tramontane.weights.TensorInfo;
import org.tramontane.quant.WeightQuantizer;

class LinearQuantStreamTest {

    /** Block sizes of one row, several rows with a short last block, and the whole tensor give the same bytes. */
    @Test
    void blockwiseStreamingEqualsWholeMatrixQuantization() throws IOException {
        for (String fixture : new String[] {"tiny-mixtral", "tiny-mixtral-bf16", "tiny-mixtral-swa"}) {
            Checkpoint ckpt = Checkpoint.open(QuantFixtures.dir(fixture));
            for (String name : new String[] {MixtralWeightNames.expertW1(0, 2), MixtralWeightNames.expertW2(1, 0)}) {
                TensorInfo t = ckpt.tensor(name);
                int out = (int) t.dim(0);
                int in = (int) t.dim(1);
                WeightQuantizer.QuantizedMatrix whole = WeightQuantizer.quantize(ckpt.readFloats(t), out, in);
                byte[] expectedScale = ByteBuffer.allocate(out * 4).order(ByteOrder.LITTLE_ENDIAN).array();
                ByteBuffer.wrap(expectedScale).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(whole.scale());
                for (int blockElems : new int[] {1, in, 3 * in, 3 * in + 5, out * in, Integer.MAX_VALUE}) {
                    LinearQuantStream s = new LinearQuantStream(t, blockElems);
                    String what = fixture + " " + name + " block " + blockElems;
                    assertArrayEquals(whole.weight(), bytesOf(s.weight()), what);
                    assertArrayEquals(expectedScale, bytesOf(s.scale()), what);
                    assertArrayEquals(new byte[out * 4], bytesOf(s.offset()), what);
                }
            }
        }
    }

    @Test
    void scaleBeforeWeightIsABug() {
        Checkpoint ckpt = Checkpoint.open(QuantFixtures.dir("tiny-mixtral"));
        LinearQuantStream s = new LinearQuantStream(ckpt.tensor(MixtralWeightNames.qProj(0)));
        assertThrows(IllegalStateException.class, () -> bytesOf(s.scale()));
    }

    private static byte[] bytesOf(ByteSource source) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (WritableByteChannel ch = Channels.newChannel(bytes)) {
            source.writeTo(ch);
        }
        return bytes.toByteArray();
    }
}
