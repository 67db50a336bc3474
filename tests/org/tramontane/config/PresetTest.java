package org.tramontane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PresetTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MINI = Path.of("configs/mixtral-mini.json");

    @TempDir
    Path tmp;

    @Test
    void theShippedPresetNamesItsTokenizerRelativeToItself() {
        Preset p = MixtralConfigReader.readPreset(MINI);
        assertEquals(MINI.toAbsolutePath().getParent().resolve("tokenizer/mistral").normalize(), p.tokenizerDir());
        assertTrue(Files.isRegularFile(p.tokenizerDir().resolve("tokenizer.json")), p.tokenizerDir().toString());
        assertEquals(MixtralConfigReader.read(MINI), p.config(), "the same config as config.json reading gives");
        assertEquals(DType.BF16, p.config().torchDtype());
    }

    @Test
    void aMissingTokenizerKeyIsNamed() throws IOException {
        Path f = preset(n -> n.remove(Preset.TOKENIZER_KEY));
        ConfigException e = assertThrows(ConfigException.class, () -> MixtralConfigReader.readPreset(f));
        assertEquals(f + ": missing required key " + Preset.TOKENIZER_KEY, e.getMessage());
    }

    @Test
    void aMisspeltKeyIsNamed() throws IOException {
        Path f = preset(n -> n.set("tramontane_tokeniser", n.remove(Preset.TOKENIZER_KEY)));
        ConfigException e = assertThrows(ConfigException.class, () -> MixtralConfigReader.readPreset(f));
        assertTrue(e.getMessage().startsWith(f + ": tramontane_tokeniser is not a preset key"), e.getMessage());
        assertTrue(e.getMessage().contains(Preset.TOKENIZER_KEY), e.getMessage());
    }

    @Test
    void aTokenizerDirThatIsNotAStringIsNamed() throws IOException {
        Path f = preset(n -> n.put(Preset.TOKENIZER_KEY, 3));
        ConfigException e = assertThrows(ConfigException.class, () -> MixtralConfigReader.readPreset(f));
        assertEquals(f + ": " + Preset.TOKENIZER_KEY + " must be a string, got 3", e.getMessage());
    }

    @Test
    void plainConfigReadingIgnoresThePresetKey() {
        assertEquals(MixtralConfigReader.readPreset(MINI).config(), MixtralConfigReader.read(MINI));
    }

    private Path preset(java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode n = (ObjectNode) JSON.readTree(MINI.toFile());
        edit.accept(n);
        Path f = tmp.resolve("preset.json");
        JSON.writeValue(f.toFile(), n);
        return f;
    }
}
