package org.tramontane.tokenizer;

/**
 * How token pieces become text: the HF decoder chain
 * {@code Replace(spaceSymbol -> " "), ByteFallback, Fuse, Strip(" ", leadingSpacesToStrip, 0)},
 * which is also what SentencePiece does for a model with add_dummy_prefix.
 *
 * @param spaceSymbol          the piece character standing for a space ("▁")
 * @param byteFallback         whether {@code <0xNN>} pieces are turned back into bytes
 * @param leadingSpacesToStrip how many leading spaces of the whole decoded text to drop (the
 *                             dummy prefix added when encoding)
 */
record DecodingRules(String spaceSymbol, boolean byteFallback, int leadingSpacesToStrip) {
}
