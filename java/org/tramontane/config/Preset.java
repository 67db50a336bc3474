package org.tramontane.config;

import java.nio.file.Path;

/**
 * A model preset for {@code --load-format dummy} (configs/*.json): a Mixtral config.json plus the
 * tokenizer directory to run it with, named under {@value #TOKENIZER_KEY} relative to the preset
 * file. {@link MixtralConfigReader#readPreset} reads one; a missing or misspelt key is a
 * {@link ConfigException} naming it.
 *
 * @param tokenizerDir absolute and normalized
 */
public record Preset(MixtralConfig config, Path tokenizerDir) {
    public static final String TOKENIZER_KEY = "tramontane_tokenizer";
    /** Keys of ours start with this; any other such key is a misspelling. */
    static final String KEY_PREFIX = "tramontane_";

    public Preset {
        if (config == null || tokenizerDir == null) throw new IllegalArgumentException("config and tokenizerDir are required");
    }
}
