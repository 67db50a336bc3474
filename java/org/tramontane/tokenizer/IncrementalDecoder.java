package org.tramontane.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Streaming detokenizer: {@link #push} takes one generated id and returns the text it
 * completes. Byte-fallback pieces of a multi-byte character are held until the character is
 * complete, so a push never returns half a character. For any id sequence,
 * {@code push(id0) + push(id1) + ... + finish()} equals {@code decode(ids, skipSpecialTokens)}.
 *
 * <p>Invalid byte sequences: every byte that cannot be part of a valid UTF-8 character becomes
 * one U+FFFD as soon as that is certain. HF instead turns a whole run of consecutive byte pieces
 * into U+FFFDs if any of it is invalid, which needs the end of the run before anything can be
 * emitted; both agree on valid text and on runs without any valid character.
 *
 * <p>Not thread-safe: one decoder per sequence.
 */
public final class IncrementalDecoder {
    private static final char REPLACEMENT = '\uFFFD';

    private final Vocabulary vocabulary;
    private final DecodingRules rules;
    private final boolean skipSpecialTokens;
    private final byte[] pending = new byte[4];
    private int pendingLength;
    /** Byte length of the character being assembled in {@link #pending}. */
    private int pendingNeeded;
    private int leadingSpacesToStrip;

    IncrementalDecoder(Vocabulary vocabulary, DecodingRules rules, boolean skipSpecialTokens) {
        this.vocabulary = vocabulary;
        this.rules = rules;
        this.skipSpecialTokens = skipSpecialTokens;
        this.leadingSpacesToStrip = rules.leadingSpacesToStrip();
    }

    /**
     * The text completed by this token, possibly "". Special tokens give "" when skipped and
     * do not interrupt a pending multi-byte character (HF removes them before decoding); so do
     * ids without a piece.
     *
     * @throws TokenizerException for an id outside the vocabulary
     */
    public String push(int id) {
        PieceType type = vocabulary.type(id);
        // HF drops an id without a piece before decoding, as it drops skipped special tokens
        if ((skipSpecialTokens && type.isSpecial()) || vocabulary.isGap(id)) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        int byteValue = vocabulary.byteValue(id);
        if (rules.byteFallback() && byteValue >= 0) {
            pushByte(byteValue, out);
        } else {
            flushIncomplete(out);
            out.append(vocabulary.piece(id).replace(rules.spaceSymbol(), " "));
        }
        return stripLeadingSpaces(out);
    }

    /** Ends the stream: the bytes of an unfinished character, each as U+FFFD (usually ""). */
    public String finish() {
        StringBuilder out = new StringBuilder();
        flushIncomplete(out);
        return stripLeadingSpaces(out);
    }

    private void pushByte(int b, StringBuilder out) {
        if (pendingLength == 0) {
            startCharacter(b, out);
            return;
        }
        if (!isValidContinuation(b)) {
            flushIncomplete(out);
            startCharacter(b, out);
            return;
        }
        pending[pendingLength++] = (byte) b;
        if (pendingLength == pendingNeeded) {
            out.append(new String(pending, 0, pendingLength, StandardCharsets.UTF_8));
            pendingLength = 0;
        }
    }

    private void startCharacter(int b, StringBuilder out) {
        if (b < 0x80) {
            out.append((char) b);
            return;
        }
        int needed = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
        if (needed == 0) {
            out.append(REPLACEMENT);
            return;
        }
        pending[0] = (byte) b;
        pendingLength = 1;
        pendingNeeded = needed;
    }

    /** The second-byte limits exclude overlong forms, surrogates and code points above U+10FFFF. */
    private boolean isValidContinuation(int b) {
        int low = 0x80;
        int high = 0xBF;
        if (pendingLength == 1) {
            int lead = pending[0] & 0xFF;
            if (lead == 0xE0) {
                low = 0xA0;
            } else if (lead == 0xED) {
                high = 0x9F;
            } else if (lead == 0xF0) {
                low = 0x90;
            } else if (lead == 0xF4) {
                high = 0x8F;
            }
        }
        return b >= low && b <= high;
    }

    private void flushIncomplete(StringBuilder out) {
        for (int i = 0; i < pendingLength; i++) {
            out.append(REPLACEMENT);
        }
        pendingLength = 0;
    }

    /** The dummy prefix's space is stripped from the start of the whole text, not of each token. */
    private String stripLeadingSpaces(StringBuilder out) {
        int cut = 0;
        while (leadingSpacesToStrip > 0 && cut < out.length()) {
            if (out.charAt(cut) == ' ') {
                cut++;
                leadingSpacesToStrip--;
            } else {
                leadingSpacesToStrip = 0;
            }
        }
        return out.substring(cut);
    }
}
