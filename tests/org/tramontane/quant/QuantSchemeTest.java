package org.tramontane.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tramontane.backend.ActivationQuant;
import org.tramontane.backend.DType;
import org.tramontane.model.MixtralConfigReader;

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

    /** config.json's reader and this enum must accept the same "quantize" values. */
    @Test
    void matchesTheConfigReadersSchemes() {
        for (String name : MixtralConfigReader.QUANTIZE_SCHEMES) {
            assertEquals(name, QuantScheme.fromConfigName(name).orElseThrow().configName);
        }
        assertEquals(MixtralConfigReader.QUANTIZE_SCHEMES.size(), QuantScheme.values().length);
    }
}
