package org.tramontane.tokenizer;

/**
 * Role of a vocabulary entry, in SentencePiece's words (ModelProto.SentencePiece.Type).
 * tokenizer.json vocabularies are mapped onto the same roles: added special tokens are
 * {@link #CONTROL} (or {@link #UNKNOWN} for the unk token), {@code <0xNN>} entries are {@link #BYTE}.
 */
public enum PieceType {
    NORMAL,
    UNKNOWN,
    CONTROL,
    USER_DEFINED,
    UNUSED,
    BYTE;

    /** SentencePiece numbers its enum from 1 (NORMAL) to 6 (BYTE). */
    static PieceType fromProtoNumber(int number) {
        return switch (number) {
            case 1 -> NORMAL;
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            default -> throw new IllegalArgumentException("unknown SentencePiece piece type " + number);
        };
    }

    /** Special pieces are matched literally in input text and dropped by decode(ids, true). */
    boolean isSpecial() {
        return this == CONTROL || this == UNKNOWN;
    }
}
