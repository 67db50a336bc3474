package org.tramontane.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;
import org.tramontane.config.MixtralConfigReader;
import org.tramontane.config.QuantScheme;

class ModelCostTest {
    private static final MixtralConfig MIXTRAL_8X7B = MixtralConfigReader.read(Path.of("configs/mixtral-8x7b.json"));
    private static final MixtralConfig MINI = MixtralConfigReader.read(Path.of("configs/mixtral-mini.json"));

    @Test
    void countsMixtral8x7bAsTransformersDoes() {
        // MixtralForCausalLM(Mixtral-8x7B-v0.1 config).num_parameters()
        assertEquals(46_702_792_704L, ModelCost.parameterCount(MIXTRAL_8X7B));
        // the 12.9 B "active" of the model card: everything but 6 of 8 experts per layer, and the embedding table
        long perExpert = 3L * 4096 * 14336;
        assertEquals(46_702_792_704L - 32 * 6 * perExpert - 32000L * 4096 + 4096,
                ModelCost.activeParameters(MIXTRAL_8X7B));
    }

    @Test
    void weightBytesAreTheParametersAtTheirStoredWidths() {
        assertEquals(4 * ModelCost.parameterCount(MINI), ModelCost.weightBytes(MINI, DType.F32));
        long f32 = MINI.numLayers() * (8L * 1024 + 2 * 1024) + 1024;  // routers and norms stay f32
        assertEquals(2 * (ModelCost.parameterCount(MINI) - f32) + 4 * f32, ModelCost.weightBytes(MINI, DType.BF16));
        long linears = ModelCost.parameterCount(MINI) - f32 - 2L * 32000 * 1024;
        long scaleRows = MINI.numLayers() * (MINI.qSize() + 2L * MINI.kvSize() + 1024 + 8L * (2 * 3584 + 1024));
        assertEquals(linears + 4 * scaleRows + 2 * 2L * 32000 * 1024 + 4 * f32,
                ModelCost.weightBytes(MINI, DType.BF16, QuantScheme.W8A8_DYNAMIC));
    }

    @Test
    void prefillFlopsOfMixtralMiniAt512() {
        assertEquals(402.8e6, ModelCost.prefillFlopsPerToken(MINI, 512), 0.05e6);
    }

    @Test
    void kvCacheCountsKeysAndValuesOfEveryLayer() {
        // K and V x 8 layers x 4 blocks x 128 positions x (4 kv heads x 64 head dim) x 2 bytes
        assertEquals(2L * 8 * 4 * 128 * (4 * 64) * 2, ModelCost.kvCacheBytes(MINI, 4, 128, DType.BF16));
    }
}
