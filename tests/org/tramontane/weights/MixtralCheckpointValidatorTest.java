package org.tramontane.weights;

import org.tramontane.config.QuantScheme;
import java.util.Optional;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tramontane.weights.SafetensorsFileTest.assertMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.weights.MixtralWeightNames.Expected;
import org.tramontane.weights.SafetensorsWriter.ByteSource;
import org.tramontane.weights.SafetensorsWriter.Tensor;

class MixtralCheckpointValidatorTest {
    @TempDir
    Path tmp;

    /** vocab 8, hidden 4, intermediate 6, 1 layer, 2 heads (hd 2), 1 kv head, 2 experts. */
    private static MixtralConfig config(boolean tied, QuantScheme quantize) {
        return new MixtralConfig("mixtral", 8, 4, 6, 1, 2, 1, 2, 1, 1e-5, 1e6, 64, null, tied, 1, 2,
                DType.F32, Optional.ofNullable(quantize));
    }

    private Path write(MixtralConfig c, UnaryOperator<List<Tensor>> edit) throws IOException {
        List<Tensor> ts = new ArrayList<>();
        for (Expected e : MixtralWeightNames.expected(c)) ts.add(zeros(e.name(), DType.F32, e.shape()));
        Path dir = Files.createTempDirectory(tmp, "ckpt");
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of(), edit.apply(ts));
        return dir;
    }

    private static Tensor zeros(String name, DType dtype, List<Long> shape) {
        long n = dtype.elemBytes;
        for (long d : shape) n *= d;
        return new Tensor(name, dtype, shape, ByteSource.of(new byte[(int) n]));
    }

    private static List<Tensor> replace(List<Tensor> ts, String name, Tensor with) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : ts) {
            if (!t.name().equals(name)) out.add(t);
            else if (with != null) out.add(with);
        }
        return out;
    }

    @Test
    void requiredNamesAndShapes() {
        MixtralConfig c = config(false, null);
        List<String> names = MixtralWeightNames.required(c);
        assertEquals(1 + 7 + 2 * 3 + 1 + 1, names.size());
        assertTrue(names.contains("model.layers.0.block_sparse_moe.gate.weight"));
        assertTrue(names.contains("model.layers.0.block_sparse_moe.experts.1.w2.weight"));
        assertTrue(names.contains("lm_head.weight"));
        assertFalse(MixtralWeightNames.required(config(true, null)).contains("lm_head.weight"));
        Map<String, List<Long>> shapes = new java.util.HashMap<>();
        for (Expected e : MixtralWeightNames.expected(c)) shapes.put(e.name(), e.shape());
        assertEquals(List.of(4L, 4L), shapes.get(MixtralWeightNames.qProj(0)));
        assertEquals(List.of(2L, 4L), shapes.get(MixtralWeightNames.kProj(0)));
        assertEquals(List.of(4L, 4L), shapes.get(MixtralWeightNames.oProj(0)));
        assertEquals(List.of(2L, 4L), shapes.get(MixtralWeightNames.router(0)));
        assertEquals(List.of(6L, 4L), shapes.get(MixtralWeightNames.expertW1(0, 1)));
        assertEquals(List.of(4L, 6L), shapes.get(MixtralWeightNames.expertW2(0, 1)));
        assertEquals(List.of(8L, 4L), shapes.get(MixtralWeightNames.embedTokens()));
        assertEquals(List.of(4L), shapes.get(MixtralWeightNames.finalNorm()));
    }

    @Test
    void completeCheckpointPassesAndExtrasAreIgnored() throws IOException {
        MixtralConfig c = config(false, null);
        Path dir = write(c, ts -> {
            ts.add(zeros("model.layers.0.self_attn.rotary_emb.inv_freq", DType.F32, List.of(1L)));
            return ts;
        });
        MixtralCheckpointValidator.validate(Checkpoint.open(dir), c);
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes() throws IOException {
        MixtralConfig c = config(false, null);
        String k = MixtralWeightNames.kProj(0);
        Path dir = write(c, ts -> replace(ts, k, zeros(k, DType.F32, List.of(4L, 4L))));
        assertMessage(assertThrows(WeightsException.class, () -> MixtralCheckpointValidator.validate(Checkpoint.open(dir), c)),
                dir, k, "[4, 4]", "expected [2, 4]");
    }

    @Test
    void missingTensor() throws IOException {
        MixtralConfig c = config(false, null);
        String w3 = MixtralWeightNames.expertW3(0, 1);
        Path dir = write(c, ts -> replace(ts, w3, null));
        assertMessage(assertThrows(WeightsException.class, () -> MixtralCheckpointValidator.validate(Checkpoint.open(dir), c)),
                dir, "missing tensor " + w3);
    }

    @Test
    void tiedEmbeddingsNeedNoLmHeadButAPresentOneMustFit() throws IOException {
        MixtralConfig tied = config(true, null);
        Path dir = write(tied, ts -> ts);
        MixtralCheckpointValidator.validate(Checkpoint.open(dir), tied);
        String lm = MixtralWeightNames.lmHead();
        Path bad = write(tied, ts -> {
            ts.add(zeros(lm, DType.F32, List.of(8L, 3L)));
            return ts;
        });
        assertMessage(assertThrows(WeightsException.class, () -> MixtralCheckpointValidator.validate(Checkpoint.open(bad), tied)),
                bad, lm, "[8, 3]");
    }

    @Test
    void int8OnlyWhenQuantizedAndWithScale() throws IOException {
        String q = MixtralWeightNames.qProj(0);
        UnaryOperator<List<Tensor>> int8Q = ts -> replace(ts, q, zeros(q, DType.I8, List.of(4L, 4L)));
        MixtralConfig plain = config(false, null);
        Path dir = write(plain, int8Q);
        assertMessage(assertThrows(WeightsException.class, () -> MixtralCheckpointValidator.validate(Checkpoint.open(dir), plain)),
                dir, q, "I8", "quantize");

        MixtralConfig quant = config(false, QuantScheme.W8A8_DYNAMIC);
        assertMessage(assertThrows(WeightsException.class, () -> MixtralCheckpointValidator.validate(Checkpoint.open(dir), quant)),
                dir, MixtralWeightNames.weightScale(q), "[4, 1]");

        Path withScale = write(quant, ts -> {
            List<Tensor> out = int8Q.apply(ts);
            out.add(zeros(MixtralWeightNames.weightScale(q), DType.F32, List.of(4L, 1L)));
            out.add(zeros(MixtralWeightNames.weightOffset(q), DType.F32, List.of(4L, 1L)));
            return out;
        });
        MixtralCheckpointValidator.validate(Checkpoint.open(withScale), quant);

        String router = MixtralWeightNames.router(0);
        Path int8Router = write(quant, ts -> replace(ts, router, zeros(router, DType.I8, List.of(2L, 4L))));
        assertMessage(assertThrows(WeightsException.class,
                () -> MixtralCheckpointValidator.validate(Checkpoint.open(int8Router), quant)), int8Router, router, "float");
    }

    @Test
    void fixtureAgainstTheWrongConfigFails() {
        Path dir = Fixtures.dir("tiny-mixtral");
        MixtralConfig c = org.tramontane.config.MixtralConfigReader.read(dir.resolve("config.json"));
        // one expert more than the checkpoint has: the router is the first tensor whose shape disagrees
        MixtralConfig more = new MixtralConfig("mixtral", c.vocabSize(), c.hiddenSize(), c.intermediateSize(),
                c.numLayers(), c.numHeads(), c.numKvHeads(), c.numExperts() + 1, c.topK(), c.rmsNormEps(),
                c.ropeTheta(), c.maxPositionEmbeddings(), c.slidingWindow(), false, 1, 2, DType.F32, Optional.empty());
        assertMessage(assertThrows(WeightsException.class, () -> MixtralCheckpointValidator.validate(Checkpoint.open(dir), more)),
                dir, "model.layers.0.block_sparse_moe.gate.weight", "expected [5, 64]");
    }
}
