package org.tramontane.tokenizer;

import java.util.OptionalInt;

/**
 * What a tokenizer file yields, whichever its format.
 *
 * @param literalTokens tokens matched literally in raw input before normalization (HF added tokens;
 *                      SentencePiece control and unknown pieces, as transformers does for them)
 * @param bosId         the file's own BOS id when the format records one (SentencePiece trainer_spec)
 * @param eosId         likewise for EOS
 */
record LoadedModel(Vocabulary vocabulary, BpeModel bpe, LiteralMatcher literalTokens, DecodingRules decodingRules,
                   OptionalInt bosId, OptionalInt eosId) {
}
