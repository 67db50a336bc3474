package org.tramontane.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Turns one stretch of text without special tokens into ids: normalize, split into characters
 * (byte fallback for characters outside the vocabulary), then merge with BPE.
 */
final class BpeModel {

    /**
     * @param byteFallback  unknown characters become their UTF-8 byte pieces instead of unk
     * @param fuseUnknown   consecutive unknown characters become one unk (HF {@code fuse_unk})
     * @param ignoreMerges  a normalized text that is itself a piece is taken whole (HF {@code ignore_merges})
     */
    record Options(boolean byteFallback, boolean fuseUnknown, boolean ignoreMerges) {
    }

    private final Vocabulary vocabulary;
    private final BpeMerger.MergeRule mergeRule;
    private final List<NormalizerStep> normalizer;
    /** SentencePiece user-defined pieces: matched whole in normalized text and never merged. */
    private final LiteralMatcher frozenPieces;
    private final Options options;
    /** -1 when the model has no unk piece. */
    private final int unkId;

    BpeModel(Vocabulary vocabulary, BpeMerger.MergeRule mergeRule, List<NormalizerStep> normalizer,
             LiteralMatcher frozenPieces, Options options, int unkId) {
        this.vocabulary = vocabulary;
        this.mergeRule = mergeRule;
        this.normalizer = List.copyOf(normalizer);
        this.frozenPieces = frozenPieces;
        this.options = options;
        this.unkId = unkId;
        if (options.byteFallback() && !vocabulary.hasAllBytes()) {
            throw new IllegalArgumentException("byte fallback needs all 256 <0xNN> pieces");
        }
    }

    void encode(String text, IntStream.Builder out) {
        String normalized = NormalizerStep.applyAll(normalizer, text);
        if (normalized.isEmpty()) {
            return;
        }
        if (options.ignoreMerges()) {
            int whole = vocabulary.idOf(normalized);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        // A UTF-16 unit never needs more than 3 UTF-8 bytes, so this bounds the symbol count.
        int[] symbols = new int[normalized.length() * 3];
        boolean[] frozen = frozenPieces.isEmpty() ? null : new boolean[symbols.length];
        int count = 0;
        boolean lastWasUnknown = false;
        int i = 0;
        while (i < normalized.length()) {
            LiteralMatcher.Match literal = frozen == null ? null : frozenPieces.matchAt(normalized, i);
            if (literal != null) {
                frozen[count] = true;
                symbols[count++] = literal.id();
                lastWasUnknown = false;
                i = literal.end();
                continue;
            }
            int codePoint = normalized.codePointAt(i);
            int next = i + Character.charCount(codePoint);
            String character = normalized.substring(i, next);
            int id = vocabulary.idOf(character);
            if (id >= 0) {
                symbols[count++] = id;
                lastWasUnknown = false;
            } else if (options.byteFallback()) {
                for (byte b : character.getBytes(StandardCharsets.UTF_8)) {
                    symbols[count++] = vocabulary.idOfByte(b & 0xFF);
                }
                lastWasUnknown = false;
            } else {
                if (unkId < 0) {
                    // the text's fault as much as the tokenizer's: a user error either way, not a bug; HF drops
                    // the character, which would change the prompt without a word
                    throw new TokenizerException(String.format(
                            "%s: character U+%04X is not in the vocabulary, and the tokenizer has no unk piece and no byte fallback",
                            vocabulary.sourceName(), codePoint));
                }
                if (!(options.fuseUnknown() && lastWasUnknown)) {
                    symbols[count++] = unkId;
                }
                lastWasUnknown = true;
            }
            i = next;
        }
        int[] merged = BpeMerger.merge(Arrays.copyOf(symbols, count),
                frozen == null ? null : Arrays.copyOf(frozen, count), mergeRule);
        for (int id : merged) {
            out.add(id);
        }
    }
}
