package org.tramontane.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.tramontane.weights.SafetensorsFileTest.assertMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tramontane.testing.Fixtures;
import org.tramontane.config.DType;
import org.tramontane.config.MixtralConfig;

class MistralParamsTest {
    private static final String REQUIRED = "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_attention_heads\": 4,"
            + " \"num_hidden_layers\": 2, \"num_local_experts\": 4, \"rms_norm_eps\": 1e-05, \"vocab_size\": 32000";

    @TempDir
    Path tmp;

    @Test
    void fixtureParamsGiveTheFixtureConfig() {
        MistralParams p = MistralParams.read(Fixtures.dir("tiny-mixtral-consolidated").resolve("params.json"));
        assertEquals(new MistralParams(64, 128, 4, 2, 2, 4, 32000, 1e-5, 1e6, 4096), p);
        MixtralConfig c = p.toConfig(DType.F32);
        assertEquals(32768, c.maxPositionEmbeddings());
        assertEquals(2, c.topK());
        assertEquals(DType.F32, c.torchDtype());
    }

    @Test
    void slidingWindowMayBeAStringAnIntegerOrNull() throws IOException {
        assertEquals(4096, read(REQUIRED + ", \"sliding_window\": \"4096\"").slidingWindow());
        assertEquals(16, read(REQUIRED + ", \"sliding_window\": 16").slidingWindow());
        assertNull(read(REQUIRED + ", \"sliding_window\": null").slidingWindow());
    }

    @Test
    void absentKvHeadsAndRopeThetaTakeTheScriptsDefaults() throws IOException {
        MistralParams p = read(REQUIRED + ", \"sliding_window\": \"4096\"");
        assertEquals(4, p.numKvHeads());
        assertEquals(10000.0, p.ropeTheta());
    }

    @Test
    void refusesBadValuesNamingTheKey() throws IOException {
        Path f = write(REQUIRED + ", \"sliding_window\": \"4096\", \"num_key_value_heads\": 3");
        assertMessage(assertThrows(ConvertException.class, () -> MistralParams.read(f)), f, "num_key_value_heads");
        Path g = write(REQUIRED.replace("\"vocab_size\": 32000", "\"vocab_size\": \"big\"") + ", \"sliding_window\": 1");
        assertMessage(assertThrows(ConvertException.class, () -> MistralParams.read(g)), g, "vocab_size");
        Path h = write("\"dim\": 4096, \"n_layers\": 32, \"n_heads\": 32");
        assertMessage(assertThrows(ConvertException.class, () -> MistralParams.read(h)), h, "mistral-inference");
        Path i = Files.writeString(tmp.resolve("bad.json"), "{\"hidden_size\": ");
        assertMessage(assertThrows(ConvertException.class, () -> MistralParams.read(i)), i, "invalid JSON");
    }

    private MistralParams read(String body) throws IOException {
        return MistralParams.read(write(body));
    }

    private Path write(String body) throws IOException {
        return Files.writeString(tmp.resolve("params.json"), "{" + body + "}");
    }
}
