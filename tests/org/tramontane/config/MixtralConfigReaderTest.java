package org.tramontane.config;

import java.util.Optional;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tramontane.weights.Fixtures;

class MixtralConfigReaderTest {
    @TempDir
    Path tmp;

    private static final String[] REQUIRED = {
        "\"vocab_size\": 32000", "\"hidden_size\": 64", "\"intermediate_size\": 128", "\"num_hidden_layers\": 2",
        "\"num_attention_heads\": 4", "\"num_local_experts\": 4", "\"num_experts_per_tok\": 2",
        "\"rms_norm_eps\": 1e-05", "\"rope_theta\": 1000000.0", "\"max_position_embeddings\": 32768"};

    private Path config(String... extra) throws IOException {
        StringBuilder sb = new StringBuilder("{\"model_type\": \"mixtral\"");
        for (String kv : REQUIRED) sb.append(",\n  ").append(kv);
        for (String kv : extra) sb.append(",\n  ").append(kv);
        Path p = tmp.resolve("config.json");
        Files.writeString(p, sb.append("\n}").toString());
        return p;
    }

    private Path configWithout(String key) throws IOException {
        StringBuilder sb = new StringBuilder("{\"model_type\": \"mixtral\"");
        for (String kv : REQUIRED) {
            if (!kv.startsWith("\"" + key + "\"")) sb.append(", ").append(kv);
        }
        Path p = tmp.resolve("config.json");
        Files.writeString(p, sb.append("}").toString());
        return p;
    }

    private static void assertMessage(UserException e, Path file, String... parts) {
        String m = e.getMessage();
        assertTrue(m.startsWith(file + ": "), m);
        for (String part : parts) assertTrue(m.contains(part), () -> "lacks \"" + part + "\": " + m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void tinyMixtral() {
        MixtralConfig c = MixtralConfigReader.read(Fixtures.dir("tiny-mixtral").resolve("config.json"));
        assertEquals(new MixtralConfig("mixtral", 32000, 64, 128, 2, 4, 2, 4, 2, 1e-5, 1e6, 32768, 4096, false, 1, 2,
                DType.F32, Optional.empty()), c);
        assertEquals(16, c.headDim());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-mixtral-bf16", "tiny-mixtral-swa", "tiny-mixtral-8h", "tiny-mixtral-w8a8",
            "tiny-mixtral-8h-w8a8"})
    void otherFixtures(String name) {
        MixtralConfig c = MixtralConfigReader.read(Fixtures.dir(name).resolve("config.json"));
        assertEquals(64, c.hiddenSize());
        switch (name) {
            case "tiny-mixtral-bf16" -> assertEquals(DType.BF16, c.torchDtype());
            case "tiny-mixtral-swa" -> {
                assertEquals(DType.F16, c.torchDtype());
                assertEquals(16, c.slidingWindow());
            }
            case "tiny-mixtral-8h" -> assertEquals(8, c.numHeads());
            default -> assertEquals(Optional.of(QuantScheme.W8A8_DYNAMIC), c.quantize());
        }
    }

    @Test
    void defaultsOfOptionalKeys() throws IOException {
        MixtralConfig c = MixtralConfigReader.read(config("\"sliding_window\": null"));
        assertEquals(4, c.numKvHeads());
        assertNull(c.slidingWindow());
        assertEquals(1, c.bosTokenId());
        assertEquals(2, c.eosTokenId());
        assertFalse(c.tieWordEmbeddings());
        assertEquals(DType.F32, c.torchDtype());
        assertEquals(Optional.empty(), c.quantize());
    }

    @Test
    void architecturesSufficeWithoutModelType() throws IOException {
        Path p = tmp.resolve("config.json");
        StringBuilder sb = new StringBuilder("{\"architectures\": [\"MixtralForCausalLM\"]");
        for (String kv : REQUIRED) sb.append(", ").append(kv);
        Files.writeString(p, sb.append("}").toString());
        assertEquals("mixtral", MixtralConfigReader.read(p).modelType());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_local_experts", "num_experts_per_tok", "rms_norm_eps", "rope_theta",
            "max_position_embeddings"})
    void missingRequiredKey(String key) throws IOException {
        Path p = configWithout(key);
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(p)), p, "missing required key " + key);
    }

    @Test
    void notMixtral() throws IOException {
        Path p = tmp.resolve("config.json");
        Files.writeString(p, "{\"model_type\": \"llama\", \"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 1}");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(p)), p,
                "not a Mixtral checkpoint (model_type=llama)");
        Files.writeString(p, "{\"architectures\": [\"LlamaForCausalLM\"]}");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(p)), p,
                "not a Mixtral checkpoint", "LlamaForCausalLM");
    }

    @Test
    void invalidJson() throws IOException {
        Path p = tmp.resolve("config.json");
        Files.writeString(p, "{\"model_type\": \"mixtral\",\n \"vocab_size\": }");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(p)), p, "invalid JSON", "line 2");
        Files.writeString(p, "[]");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(p)), p, "not a JSON object");
        Files.writeString(p, "");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(p)), p, "empty");
    }

    @Test
    void missingFile() {
        Path p = tmp.resolve("nope/config.json");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(p)), p, "no such file");
    }

    @Test
    void wrongTypes() throws IOException {
        Path p = config("\"num_key_value_heads\": 2.5");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(p)), p, "num_key_value_heads", "integer");
        Path q = config("\"tie_word_embeddings\": \"yes\"");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(q)), q, "tie_word_embeddings");
    }

    @Test
    void contradictoryValues() throws IOException {
        Path kv = config("\"num_key_value_heads\": 3");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(kv)), kv, "num_key_value_heads 3");
        Path topK = tmp.resolve("topk.json");
        Files.writeString(topK, Files.readString(configWithout("num_experts_per_tok")).replace("}", ", \"num_experts_per_tok\": 5}"));
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(topK)), topK, "num_experts_per_tok 5");
        Path hidden = tmp.resolve("hidden.json");
        Files.writeString(hidden, Files.readString(configWithout("hidden_size")).replace("}", ", \"hidden_size\": 66}"));
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(hidden)), hidden, "hidden_size 66");
        Path zero = tmp.resolve("zero.json");
        Files.writeString(zero, Files.readString(configWithout("vocab_size")).replace("}", ", \"vocab_size\": 0}"));
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(zero)), zero, "vocab_size", "positive");
        Path window = config("\"sliding_window\": 0");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(window)), window, "sliding_window");
        Path quant = config("\"quantize\": \"w4a4\"");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(quant)), quant, "quantize", "w4a4");
        Path dtype = config("\"torch_dtype\": \"int8\"");
        assertMessage(assertThrows(ConfigException.class, () -> MixtralConfigReader.read(dtype)), dtype, "torch_dtype", "int8");
    }
}
