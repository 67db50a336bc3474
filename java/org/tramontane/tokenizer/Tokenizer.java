package org.tramontane.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Mistral/Mixtral tokenizer: SentencePiece-style BPE with byte fallback, loaded from HF
 * {@code tokenizer.json} or, when that is absent, from a SentencePiece {@code tokenizer.model}.
 * Immutable and thread-safe; {@link #newDecoder()} gives per-sequence streaming state.
 *
 * <p>Encoding follows HF: special tokens ({@code <s>}, {@code </s>}, {@code <unk>}) written in
 * the text are matched literally first, and each stretch between them is normalized (dummy
 * prefix "▁", spaces to "▁") and BPE-encoded on its own. That is what lets a rendered chat
 * prompt starting with {@code <s>} be encoded with {@code addBos = false}.
 */
public final class Tokenizer {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_MODEL = "tokenizer.model";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    /** Every file a tokenizer may be read from: the files a converted checkpoint carries over. */
    public static final List<String> FILES = List.of(TOKENIZER_JSON, TOKENIZER_MODEL, TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP);

    private final LoadedModel model;
    private final int bosId;
    private final int eosId;

    private Tokenizer(LoadedModel model, int bosId, int eosId) {
        this.model = model;
        this.bosId = bosId;
        this.eosId = eosId;
    }

    /**
     * Loads the tokenizer of an HF model directory. BOS and EOS come from
     * {@code tokenizer_config.json}, else {@code special_tokens_map.json}, else the
     * {@code tokenizer.model} trainer_spec.
     *
     * @throws TokenizerException naming the file that is missing, unreadable, malformed or unsupported
     */
    public static Tokenizer load(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new TokenizerException("tokenizer directory " + modelDir + " does not exist or is not a directory");
        }
        Path json = modelDir.resolve(TOKENIZER_JSON);
        Path sentencePiece = modelDir.resolve(TOKENIZER_MODEL);
        LoadedModel model;
        if (Files.exists(json)) {
            model = HfTokenizerJson.parse(json);
        } else if (Files.exists(sentencePiece)) {
            model = SentencePieceModelFile.parse(sentencePiece);
        } else {
            throw new TokenizerException("no " + TOKENIZER_JSON + " or " + TOKENIZER_MODEL + " in " + modelDir);
        }
        List<TokenizerConfig> configs = Stream.of(TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP)
                .map(modelDir::resolve)
                .filter(Files::exists)
                .map(TokenizerConfig::read)
                .toList();
        int bos = resolveSpecialId("bos_token", configs, TokenizerConfig::bosToken, model.bosId(), model, modelDir);
        int eos = resolveSpecialId("eos_token", configs, TokenizerConfig::eosToken, model.eosId(), model, modelDir);
        return new Tokenizer(model, bos, eos);
    }

    private static int resolveSpecialId(String key, List<TokenizerConfig> configs,
                                        Function<TokenizerConfig, String> tokenOf, OptionalInt fromModel,
                                        LoadedModel model, Path modelDir) {
        for (TokenizerConfig config : configs) {
            String token = tokenOf.apply(config);
            if (token != null) {
                int id = model.vocabulary().idOf(token);
                if (id < 0) {
                    throw new TokenizerException(config.file() + ": " + key + " '" + token + "' is not in the vocabulary");
                }
                return id;
            }
        }
        if (fromModel.isPresent()) {
            return fromModel.getAsInt();
        }
        throw new TokenizerException("no " + key + " in " + TOKENIZER_CONFIG + " or " + SPECIAL_TOKENS_MAP
                + " of " + modelDir + ", and the tokenizer file does not name one");
    }

    /**
     * @param addBos prepend {@link #bosId()}; false for text that already starts with {@code <s>}
     *               (a rendered chat prompt) or for continuing a sequence
     */
    public int[] encode(String text, boolean addBos) {
        IntStream.Builder ids = IntStream.builder();
        if (addBos) {
            ids.add(bosId);
        }
        int position = 0;
        while (position <= text.length()) {
            LiteralMatcher.Match special = model.literalTokens().find(text, position);
            int end = special == null ? text.length() : special.start();
            model.bpe().encode(text.substring(position, end), ids);
            if (special == null) {
                break;
            }
            ids.add(special.id());
            position = special.end();
        }
        return ids.build().toArray();
    }

    /**
     * @param skipSpecialTokens drop control pieces ({@code <s>}, {@code </s>}, {@code <unk>}) instead
     *                          of writing them out
     * @throws TokenizerException for an id outside the vocabulary
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        IncrementalDecoder decoder = new IncrementalDecoder(model.vocabulary(), model.decodingRules(), skipSpecialTokens);
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(decoder.push(id));
        }
        return text.append(decoder.finish()).toString();
    }

    /** A streaming decoder that skips special tokens, for printing generated text as it comes. */
    public IncrementalDecoder newDecoder() {
        return new IncrementalDecoder(model.vocabulary(), model.decodingRules(), true);
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    /**
     * Refuses a tokenizer with fewer ids than the model's {@code vocab_size} (of another model,
     * most likely): the model would emit ids it cannot decode. An id without a piece (a gap in
     * tokenizer.json) counts: it decodes to nothing, as in HF.
     */
    public static void requireCovers(Tokenizer tokenizer, Path modelDir, int modelVocabSize) {
        if (tokenizer.vocabSize() < modelVocabSize) {
            Path file = Files.exists(modelDir.resolve(TOKENIZER_JSON)) ? modelDir.resolve(TOKENIZER_JSON)
                    : modelDir.resolve(TOKENIZER_MODEL);
            throw new TokenizerException(file + ": " + tokenizer.vocabSize() + " ids, fewer than the model's vocab_size "
                    + modelVocabSize + " (the tokenizer of another model?)");
        }
    }

    /** The ids the tokenizer knows, 0 to this one less: the largest id + 1, gaps included. */
    public int vocabSize() {
        return model.vocabulary().size();
    }

    /** The raw vocabulary entry, e.g. "▁Hello" or "<0x0A>"; "" for an id without a piece (a gap in tokenizer.json). */
    public String idToPiece(int id) {
        String piece = model.vocabulary().piece(id);
        return piece == null ? "" : piece;
    }

    /** The id of a raw vocabulary entry, or empty. */
    public OptionalInt pieceToId(String piece) {
        int id = model.vocabulary().idOf(piece);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** True for control pieces such as {@code <s>}, {@code </s>}, {@code <unk>}. */
    public boolean isSpecial(int id) {
        return model.vocabulary().type(id).isSpecial();
    }
}
