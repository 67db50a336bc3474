package org.tramontane.serve;

import org.tramontane.tokenizer.Tokenizer;

/** A single token's text as logprobs show it: its piece, with SentencePiece's word marker as a space. */
final class TokenText {
    private TokenText() {}

    static String of(Tokenizer tokenizer, int id) {
        return tokenizer.idToPiece(id).replace('\u2581', ' ');
    }
}
