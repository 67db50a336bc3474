package org.tramontane.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pieces of a tokenizer indexed by id, with their roles. Immutable after construction.
 * Byte pieces ({@code <0x00>} .. {@code <0xFF>}) are indexed both ways because byte fallback
 * needs byte -> id when encoding and id -> byte when decoding. A {@link #sparse} vocabulary (a
 * tokenizer.json, whose ids HF keeps in a map) may have ids without a piece: no piece maps to them,
 * so encoding never yields one, and decoding drops them as HF does.
 */
final class Vocabulary {
    private final String[] pieces;
    private final PieceType[] types;
    private final Map<String, Integer> idsByPiece;
    /** idsByByte[b] = id of {@code <0xBB>}, or -1 when the vocabulary lacks it. */
    private final int[] idsByByte = new int[256];
    /** byteValues[id] = the byte a BYTE piece stands for, or -1 for every other piece. */
    private final int[] byteValues;
    /** The file the pieces come from, for messages. */
    private final String sourceName;

    Vocabulary(List<String> pieces, List<PieceType> types, String sourceName) {
        this(pieces, types, sourceName, false);
    }

    /** A vocabulary whose null pieces are ids without a piece. */
    static Vocabulary sparse(List<String> pieces, List<PieceType> types, String sourceName) {
        return new Vocabulary(pieces, types, sourceName, true);
    }

    private Vocabulary(List<String> pieces, List<PieceType> types, String sourceName, boolean gapsAllowed) {
        if (pieces.size() != types.size()) {
            throw new IllegalArgumentException("pieces and types differ in length");
        }
        int size = pieces.size();
        this.sourceName = sourceName;
        this.pieces = pieces.toArray(new String[0]);
        this.types = types.toArray(new PieceType[0]);
        this.idsByPiece = new HashMap<>(size * 2);
        this.byteValues = new int[size];
        Arrays.fill(idsByByte, -1);
        for (int id = 0; id < size; id++) {
            String piece = this.pieces[id];
            byteValues[id] = -1;
            if (piece == null) {
                if (!gapsAllowed) throw new TokenizerException(sourceName + " has no piece for id " + id);
                this.types[id] = PieceType.UNUSED;
                continue;
            }
            if (idsByPiece.putIfAbsent(piece, id) != null) {
                throw new TokenizerException(sourceName + " has the piece '" + piece + "' twice");
            }
            if (this.types[id] == PieceType.BYTE) {
                int value = parseBytePiece(piece);
                if (value < 0) {
                    throw new TokenizerException(sourceName + ": byte piece " + id + " is '" + piece
                            + "', expected <0xNN>");
                }
                byteValues[id] = value;
                idsByByte[value] = id;
            }
        }
    }

    /** The byte a piece spelled {@code <0xNN>} stands for, or -1 for any other spelling. */
    static int parseBytePiece(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int high = Character.digit(piece.charAt(3), 16);
        int low = Character.digit(piece.charAt(4), 16);
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }

    /** The file the pieces come from. */
    String sourceName() {
        return sourceName;
    }

    int size() {
        return pieces.length;
    }

    /** The piece of {@code id}, or null for an id without one ({@link #isGap}). */
    String piece(int id) {
        checkId(id);
        return pieces[id];
    }

    /** True for an id of a sparse vocabulary that has no piece. */
    boolean isGap(int id) {
        checkId(id);
        return pieces[id] == null;
    }

    PieceType type(int id) {
        checkId(id);
        return types[id];
    }

    /** The id of a piece, or -1. */
    int idOf(String piece) {
        Integer id = idsByPiece.get(piece);
        return id == null ? -1 : id;
    }

    int idOfByte(int value) {
        return idsByByte[value];
    }

    int byteValue(int id) {
        checkId(id);
        return byteValues[id];
    }

    /** True when every one of the 256 byte pieces exists, i.e. byte fallback can spell any text. */
    boolean hasAllBytes() {
        for (int id : idsByByte) {
            if (id < 0) {
                return false;
            }
        }
        return true;
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            // ids come from users (--input-ids, tokenize) or from a model whose vocab_size exceeds the tokenizer's
            throw new TokenizerException("token id " + id + " is outside the vocabulary [0, "
                    + pieces.length + ")");
        }
    }
}
