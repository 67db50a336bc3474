package org.tramontane.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tramontane.backend.Backend;
import org.tramontane.backend.DType;
import org.tramontane.backend.Precision;
import org.tramontane.backend.cpu.CpuBackend;
import org.tramontane.model.ConfigException;
import org.tramontane.model.MixtralConfig;
import org.tramontane.model.MixtralConfigReader;
import org.tramontane.model.MixtralLoader;
import org.tramontane.model.MixtralModel;
import org.tramontane.tokenizer.Tokenizer;
import org.tramontane.tokenizer.TokenizerException;

/**
 * A loaded model ready to generate: backend, weights, tokenizer and generator, closed together.
 * A preset ({@code --load-format dummy}) names its tokenizer directory, relative to the preset
 * file, under the key {@value #PRESET_TOKENIZER_KEY}.
 */
public final class LlmEngine implements AutoCloseable {
    public static final String PRESET_TOKENIZER_KEY = "tramontane_tokenizer";

    private final MixtralConfig config;
    private final Path tokenizerDir;
    private final Tokenizer tokenizer;
    private final Backend backend;
    private final MixtralModel model;
    private final Generator generator;
    private final long loadMillis;

    private LlmEngine(MixtralConfig config, Path tokenizerDir, Tokenizer tokenizer, Backend backend,
            MixtralModel model, EngineOptions options, long loadMillis) {
        this.config = config;
        this.tokenizerDir = tokenizerDir;
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.model = model;
        this.generator = new Generator(model, options, tokenizer.eosId());
        this.loadMillis = loadMillis;
    }

    public static LlmEngine open(ModelSource source, EngineOptions options) {
        long t0 = System.nanoTime();
        boolean dummy = source.loadFormat() == ModelSource.LoadFormat.DUMMY;
        Path configFile = dummy ? source.path() : source.path().resolve("config.json");
        if (!dummy && !Files.isDirectory(source.path())) {
            throw new ConfigException(source.path() + ": model directory not found (--model)");
        }
        MixtralConfig cfg = MixtralConfigReader.read(configFile);
        Path tokDir = dummy ? presetTokenizerDir(configFile) : source.path();
        Tokenizer tok = loadTokenizer(tokDir);
        DType dtype = source.dtype() != null ? source.dtype() : DType.fromTorch(cfg.torchDtype());
        if (source.threads() > 0) CpuBackend.setThreads(source.threads());
        Backend backend = source.backend().create(Precision.of(dtype));
        try {
            MixtralModel model = dummy ? MixtralLoader.dummy(cfg, backend) : MixtralLoader.load(source.path(), cfg, backend);
            return new LlmEngine(cfg, tokDir, tok, backend, model, options.withModelLen(cfg.maxPositionEmbeddings()),
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    private static Tokenizer loadTokenizer(Path dir) {
        try {
            return Tokenizer.load(dir);
        } catch (TokenizerException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static Path presetTokenizerDir(Path preset) {
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(preset.toFile());
        } catch (IOException e) {
            throw new ConfigException(preset + ": cannot read preset: " + e.getMessage());
        }
        JsonNode tok = node.get(PRESET_TOKENIZER_KEY);
        if (tok == null || !tok.isTextual()) {
            throw new ConfigException(preset + ": a dummy-weight preset needs \"" + PRESET_TOKENIZER_KEY
                    + "\" (the tokenizer directory, relative to the preset)");
        }
        Path parent = preset.toAbsolutePath().getParent();
        return parent.resolve(tok.asText()).normalize();
    }

    public MixtralConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Path tokenizerDir() {
        return tokenizerDir;
    }

    public Precision precision() {
        return backend.precision();
    }

    public long loadMillis() {
        return loadMillis;
    }

    public List<GenerationResult> generate(List<GenerationRequest> requests, TokenListener listener) {
        return generator.generate(requests, listener);
    }

    @Override
    public void close() {
        model.close();
        backend.close();
    }
}
