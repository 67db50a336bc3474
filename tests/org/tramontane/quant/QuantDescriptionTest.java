package org.tramontane.quant;

import org.tramontane.config.QuantScheme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.weights.MixtralWeightNames;
import org.tramontane.weights.SafetensorsFile;
import org.tramontane.weights.TensorInfo;

class QuantDescriptionTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheFixtureDescription() {
        Path dir = QuantFixtures.dir("tiny-mixtral-w8a8");
        QuantDescription d = QuantDescription.read(dir);
        assertEquals(dir.resolve(QuantDescription.FILE_NAME), d.file());
        assertEquals(Optional.of("1.0.0"), d.version());
        assertEquals(QuantScheme.W8A8_DYNAMIC, d.scheme());
        SafetensorsFile weights = SafetensorsFile.open(dir.resolve(QuantScheme.W8A8_DYNAMIC.weightFileName()));
        assertEquals(weights.tensors().stream().map(TensorInfo::name).toList(), d.tensorNames());

        String q = MixtralWeightNames.qProj(0);
        for (String name : new String[] {q, MixtralWeightNames.weightScale(q), MixtralWeightNames.weightOffset(q),
                MixtralWeightNames.expertW2(1, 3)}) {
            assertEquals(Optional.of(QuantScheme.W8A8_DYNAMIC), d.schemeOf(name), name);
        }
        for (String name : new String[] {MixtralWeightNames.embedTokens(), MixtralWeightNames.router(1),
                MixtralWeightNames.inputLayerNorm(0), MixtralWeightNames.lmHead()}) {
            assertEquals(Optional.empty(), d.schemeOf(name), name);
        }
        QuantException e = assertThrows(QuantException.class, () -> d.schemeOf("model.layers.9.mlp.weight"));
        assertTrue(e.getMessage().contains(QuantDescription.FILE_NAME) && e.getMessage().contains("model.layers.9.mlp.weight"),
                e.getMessage());
        assertFalse(d.lists("model.layers.9.mlp.weight"));
    }

    @Test
    void readsTheLegacyFileName() throws IOException {
        Path legacy = tmp.resolve("quant_model_description_w8a8_dynamic.json");
        Files.copy(QuantFixtures.dir("tiny-mixtral-w8a8").resolve(QuantDescription.FILE_NAME), legacy);
        assertEquals(Optional.of(legacy), QuantDescription.find(tmp));
        QuantDescription d = QuantDescription.read(tmp);
        assertEquals(legacy, d.file());
        assertEquals(QuantScheme.W8A8_DYNAMIC, d.scheme());
        assertEquals(Optional.of(QuantScheme.W8A8_DYNAMIC), d.schemeOf(MixtralWeightNames.oProj(1)));
    }

    @Test
    void legacyFilesMayLackAVersion() throws IOException {
        Files.writeString(tmp.resolve("quant_model_description_w8a16.json"),
                "{\"model_quant_type\": \"W8A16\", \"a.weight\": \"W8A16\", \"b.weight\": \"FLOAT\"}");
        QuantDescription d = QuantDescription.read(tmp);
        assertEquals(Optional.empty(), d.version());
        assertEquals(QuantScheme.W8A16, d.scheme());
        assertEquals(Optional.of(QuantScheme.W8A16), d.schemeOf("a.weight"));
        assertEquals(Optional.empty(), d.schemeOf("b.weight"));
    }

    @Test
    void badFilesAreNamedWithTheFault() throws IOException {
        assertFails("{\"version\": \"1.0.0\", \"x.weight\": \"FLOAT\"}", "model_quant_type");
        assertFails("{\"model_quant_type\": \"W4A16\"}", "W4A16");
        assertFails("{\"model_quant_type\": \"W8A8_DYNAMIC\", \"x.weight\": \"W4A4\"}", "x.weight");
        assertFails("{\"model_quant_type\": \"W8A8_DYNAMIC\", \"x.weight\": 3}", "x.weight");
        assertFails("{\"model_quant_type\": \"W8A8_DYNAMIC\", \"version\": 1}", "version");
        assertFails("{\"model_quant_type\": \"W8A8_DYNAMIC\", \"x\": \"FLOAT\", \"x\": \"FLOAT\"}", "x");
        assertFails("[1, 2]", "not a JSON object");
        assertFails("{\"model_quant_type\": ", "invalid JSON");

        Path wrongLegacy = tmp.resolve("quant_model_description_w8a16.json");
        Files.writeString(wrongLegacy, "{\"model_quant_type\": \"W8A8_DYNAMIC\"}");
        QuantException e = assertThrows(QuantException.class, () -> QuantDescription.readFile(wrongLegacy));
        assertTrue(e.getMessage().contains(wrongLegacy.toString()) && e.getMessage().contains("contradicts"), e.getMessage());

        Path none = Files.createDirectory(tmp.resolve("float-model"));
        e = assertThrows(QuantException.class, () -> QuantDescription.read(none));
        assertTrue(e.getMessage().contains(none.toString()) && e.getMessage().contains(QuantDescription.FILE_NAME),
                e.getMessage());
    }

    private void assertFails(String json, String mentioned) throws IOException {
        Path file = tmp.resolve(QuantDescription.FILE_NAME);
        Files.writeString(file, json);
        QuantException e = assertThrows(QuantException.class, () -> QuantDescription.readFile(file), json);
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(mentioned), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
