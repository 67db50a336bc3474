package org.tramontane.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Parser for a SentencePiece {@code tokenizer.model} (the ModelProto protobuf), BPE models only.
 * Field numbers are those of sentencepiece_model.proto; defaults are proto2's declared defaults
 * (e.g. add_dummy_prefix and remove_extra_whitespaces default to true, model_type to UNIGRAM).
 */
final class SentencePieceModelFile {
    private static final String SPACE_SYMBOL = "\u2581";
    private static final int MODEL_TYPE_BPE = 2;

    /** ModelProto.SentencePiece. */
    private record Piece(String piece, float score, PieceType type) {
    }

    /** The TrainerSpec fields encoding depends on. */
    private record TrainerSpec(int modelType, boolean byteFallback, boolean treatWhitespaceAsSuffix,
                               int unkId, int bosId, int eosId) {
    }

    /** The NormalizerSpec fields encoding depends on. */
    private record NormalizerSpec(String name, int precompiledCharsmapBytes, boolean addDummyPrefix,
                                  boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
    }

    private SentencePieceModelFile() {
    }

    static LoadedModel parse(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TokenizerException("cannot read " + file + ": no such file", e);
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + file + ": " + JsonFiles.oneLine(e.getMessage()), e);
        }
        List<Piece> pieces = new ArrayList<>();
        TrainerSpec trainer = null;
        NormalizerSpec normalizer = null;
        try {
            ProtoReader reader = new ProtoReader(bytes);
            while (reader.hasMore()) {
                int tag = reader.readTag();
                switch (ProtoReader.fieldNumber(tag)) {
                    case 1 -> pieces.add(readPiece(expectMessage(reader, tag)));
                    case 2 -> trainer = readTrainerSpec(expectMessage(reader, tag));
                    case 3 -> normalizer = readNormalizerSpec(expectMessage(reader, tag));
                    default -> reader.skip(tag);
                }
            }
        } catch (ProtoReader.MalformedProtoException | IllegalArgumentException e) {
            throw new TokenizerException("cannot parse " + file + " as a SentencePiece model: " + e.getMessage(), e);
        }
        if (pieces.isEmpty() || trainer == null) {
            throw new TokenizerException("cannot parse " + file
                    + " as a SentencePiece model: no pieces or no trainer_spec");
        }
        if (normalizer == null) {
            // An absent NormalizerSpec means every field has its proto default.
            normalizer = new NormalizerSpec("", 0, true, true, true);
        }
        checkSupported(file, trainer, normalizer, pieces);

        float[] scores = new float[pieces.size()];
        List<LiteralMatcher.Literal> specials = new ArrayList<>();
        List<LiteralMatcher.Literal> userDefined = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            Piece piece = pieces.get(id);
            scores[id] = piece.score();
            if (piece.type().isSpecial()) {
                specials.add(new LiteralMatcher.Literal(piece.piece(), id));
            } else if (piece.type() == PieceType.USER_DEFINED) {
                userDefined.add(new LiteralMatcher.Literal(piece.piece(), id));
            }
        }
        Vocabulary vocabulary = new Vocabulary(pieces.stream().map(Piece::piece).toList(),
                pieces.stream().map(Piece::type).toList(), file.toString());
        if (trainer.byteFallback() && !vocabulary.hasAllBytes()) {
            throw new TokenizerException(file + ": byte_fallback is on but some <0xNN> pieces are missing");
        }

        List<NormalizerStep> steps = new ArrayList<>();
        if (normalizer.removeExtraWhitespaces()) {
            steps.add(new NormalizerStep.CollapseSpaces());
        }
        if (normalizer.addDummyPrefix()) {
            steps.add(new NormalizerStep.Prepend(" "));
        }
        if (normalizer.escapeWhitespaces()) {
            steps.add(new NormalizerStep.Replace(" ", SPACE_SYMBOL));
        }
        int unkId = pieceIdOrMinusOne(trainer.unkId(), pieces.size());
        BpeModel bpe = new BpeModel(vocabulary, new ScoreMergeRule(vocabulary, scores), steps,
                new LiteralMatcher(userDefined), new BpeModel.Options(trainer.byteFallback(), false, false), unkId);
        DecodingRules decoding = new DecodingRules(SPACE_SYMBOL, trainer.byteFallback(),
                normalizer.addDummyPrefix() ? 1 : 0);
        return new LoadedModel(vocabulary, bpe, new LiteralMatcher(specials), decoding,
                optionalId(trainer.bosId(), pieces.size()), optionalId(trainer.eosId(), pieces.size()));
    }

    private static void checkSupported(Path file, TrainerSpec trainer, NormalizerSpec normalizer, List<Piece> pieces) {
        if (trainer.modelType() != MODEL_TYPE_BPE) {
            throw new TokenizerException(file + ": SentencePiece model_type " + trainer.modelType()
                    + " is not supported (only BPE = 2)");
        }
        if (trainer.treatWhitespaceAsSuffix()) {
            throw new TokenizerException(file + ": treat_whitespace_as_suffix is not supported");
        }
        if (normalizer.precompiledCharsmapBytes() > 0) {
            throw new TokenizerException(file + ": normalization rule '" + normalizer.name()
                    + "' (a precompiled charsmap) is not supported, only 'identity'");
        }
        // SentencePiece merges into UNUSED pieces and re-splits them afterwards; no model we load has any.
        if (pieces.stream().anyMatch(p -> p.type() == PieceType.UNUSED)) {
            throw new TokenizerException(file + ": UNUSED pieces are not supported");
        }
        int unkId = trainer.unkId();
        if (unkId < 0 || unkId >= pieces.size() || pieces.get(unkId).type() != PieceType.UNKNOWN) {
            throw new TokenizerException(file + ": trainer_spec.unk_id " + unkId + " is not an UNKNOWN piece");
        }
    }

    private static Piece readPiece(ProtoReader reader) throws ProtoReader.MalformedProtoException {
        String piece = null;
        float score = 0f;
        PieceType type = PieceType.NORMAL;
        while (reader.hasMore()) {
            int tag = reader.readTag();
            switch (ProtoReader.fieldNumber(tag)) {
                case 1 -> piece = expectString(reader, tag);
                case 2 -> {
                    expectWireType(tag, ProtoReader.FIXED32);
                    score = reader.readFloat();
                }
                case 3 -> {
                    expectWireType(tag, ProtoReader.VARINT);
                    type = PieceType.fromProtoNumber(reader.readInt32());
                }
                default -> reader.skip(tag);
            }
        }
        if (piece == null) {
            throw new ProtoReader.MalformedProtoException("a piece has no text");
        }
        return new Piece(piece, score, type);
    }

    private static TrainerSpec readTrainerSpec(ProtoReader reader) throws ProtoReader.MalformedProtoException {
        int modelType = 1;
        boolean byteFallback = false;
        boolean treatWhitespaceAsSuffix = false;
        int unkId = 0;
        int bosId = 1;
        int eosId = 2;
        while (reader.hasMore()) {
            int tag = reader.readTag();
            int field = ProtoReader.fieldNumber(tag);
            if (field == 3 || field == 24 || field == 35 || (field >= 40 && field <= 42)) {
                expectWireType(tag, ProtoReader.VARINT);
            }
            switch (field) {
                case 3 -> modelType = reader.readInt32();
                case 24 -> treatWhitespaceAsSuffix = reader.readBool();
                case 35 -> byteFallback = reader.readBool();
                case 40 -> unkId = reader.readInt32();
                case 41 -> bosId = reader.readInt32();
                case 42 -> eosId = reader.readInt32();
                default -> reader.skip(tag);
            }
        }
        return new TrainerSpec(modelType, byteFallback, treatWhitespaceAsSuffix, unkId, bosId, eosId);
    }

    private static NormalizerSpec readNormalizerSpec(ProtoReader reader) throws ProtoReader.MalformedProtoException {
        String name = "";
        int charsmapBytes = 0;
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
        while (reader.hasMore()) {
            int tag = reader.readTag();
            switch (ProtoReader.fieldNumber(tag)) {
                case 1 -> name = expectString(reader, tag);
                case 2 -> {
                    expectWireType(tag, ProtoReader.LENGTH_DELIMITED);
                    charsmapBytes = reader.readBytesLength();
                }
                case 3 -> addDummyPrefix = expectBool(reader, tag);
                case 4 -> removeExtraWhitespaces = expectBool(reader, tag);
                case 5 -> escapeWhitespaces = expectBool(reader, tag);
                default -> reader.skip(tag);
            }
        }
        return new NormalizerSpec(name, charsmapBytes, addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces);
    }

    private static ProtoReader expectMessage(ProtoReader reader, int tag) throws ProtoReader.MalformedProtoException {
        expectWireType(tag, ProtoReader.LENGTH_DELIMITED);
        return reader.readMessage();
    }

    private static String expectString(ProtoReader reader, int tag) throws ProtoReader.MalformedProtoException {
        expectWireType(tag, ProtoReader.LENGTH_DELIMITED);
        return reader.readString();
    }

    private static boolean expectBool(ProtoReader reader, int tag) throws ProtoReader.MalformedProtoException {
        expectWireType(tag, ProtoReader.VARINT);
        return reader.readBool();
    }

    private static void expectWireType(int tag, int wireType) throws ProtoReader.MalformedProtoException {
        if (ProtoReader.wireType(tag) != wireType) {
            throw new ProtoReader.MalformedProtoException("field " + ProtoReader.fieldNumber(tag)
                    + " has wire type " + ProtoReader.wireType(tag) + ", expected " + wireType);
        }
    }

    private static int pieceIdOrMinusOne(int id, int size) {
        return id >= 0 && id < size ? id : -1;
    }

    /** SentencePiece disables a special token by setting its id to -1. */
    private static OptionalInt optionalId(int id, int size) {
        return id >= 0 && id < size ? OptionalInt.of(id) : OptionalInt.empty();
    }
}
