package org.tramontane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class QuantSchemeTest {
    @Test
    void carriesMindIeNames() {
        assertEquals("w8a8_dynamic", QuantScheme.W8A8_DYNAMIC.configName);
        assertEquals("W8A8_DYNAMIC", QuantScheme.W8A8_DYNAMIC.label);
        assertEquals("quant_model_weight_w8a8_dynamic.safetensors", QuantScheme.W8A8_DYNAMIC.weightFileName());
        assertEquals("quant_model_description_w8a8_dynamic.json", QuantScheme.W8A8_DYNAMIC.legacyDescriptionFileName());
        assertEquals("w8a16", QuantScheme.W8A16.configName);
        assertEquals("W8A16", QuantScheme.W8A16.label);
        assertEquals("quant_model_weight_w8a16.safetensors", QuantScheme.W8A16.weightFileName());
        assertEquals(ActivationQuant.INT8_PER_TOKEN, QuantScheme.W8A8_DYNAMIC.activationMode);
        assertEquals(ActivationQuant.NONE, QuantScheme.W8A16.activationMode);
        for (QuantScheme s : QuantScheme.values()) {
            assertEquals(DType.I8, s.weightDType);
            assertEquals(DType.F32, s.scaleDType);
            assertEquals(Optional.of(s), QuantScheme.fromConfigName(s.configName));
            assertEquals(Optional.of(s), QuantScheme.fromLabel(s.label));
        }
        assertEquals(Optional.empty(), QuantScheme.fromLabel(QuantScheme.FLOAT_LABEL));
        assertEquals(Optional.empty(), QuantScheme.fromConfigName("W8A8_DYNAMIC"));
    }

    /** config.json's "quantize" accepts exactly this enum's names. */
    @Test
    void configReaderAcceptsEveryScheme(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws java.io.IOException {
        for (QuantScheme s : QuantScheme.values()) {
            java.nio.file.Path cfg = tmp.resolve(s.configName + ".json");
            java.nio.file.Files.writeString(cfg, "{\"model_type\": \"mixtral\", \"vocab_size\": 8, \"hidden_size\": 4,"
                    + " \"intermediate_size\": 6, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
                    + " \"num_local_experts\": 2, \"num_experts_per_tok\": 1, \"rms_norm_eps\": 1e-5,"
                    + " \"rope_theta\": 1e6, \"max_position_embeddings\": 64, \"quantize\": \"" + s.configName + "\"}");
            assertEquals(Optional.of(s), MixtralConfigReader.read(cfg).quantize());
        }
    }
}
