package org.tramontane.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Minimal protobuf wire-format reader, enough for SentencePiece's ModelProto: varints,
 * fixed32 floats, length-delimited strings and sub-messages. Unknown fields are skipped as the
 * protobuf spec requires, so newer SentencePiece versions with extra fields still load.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    /** Malformed input; the caller adds the file name. */
    static final class MalformedProtoException extends Exception {
        MalformedProtoException(String message) {
            super(message);
        }
    }

    private final byte[] buffer;
    private int position;
    private final int limit;

    ProtoReader(byte[] buffer) {
        this(buffer, 0, buffer.length);
    }

    private ProtoReader(byte[] buffer, int offset, int limit) {
        this.buffer = buffer;
        this.position = offset;
        this.limit = limit;
    }

    boolean hasMore() {
        return position < limit;
    }

    /** Reads a field key; returns {@code fieldNumber << 3 | wireType}. */
    int readTag() throws MalformedProtoException {
        long tag = readVarint();
        if (tag <= 0 || tag > Integer.MAX_VALUE) {
            throw new MalformedProtoException("bad field tag " + tag + " at byte " + position);
        }
        return (int) tag;
    }

    static int fieldNumber(int tag) {
        return tag >>> 3;
    }

    static int wireType(int tag) {
        return tag & 7;
    }

    long readVarint() throws MalformedProtoException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= limit) {
                throw new MalformedProtoException("truncated varint at byte " + position);
            }
            byte b = buffer[position++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw new MalformedProtoException("varint longer than 10 bytes at byte " + position);
    }

    /** int32 fields: negative values are sign-extended to 10-byte varints, the cast undoes that. */
    int readInt32() throws MalformedProtoException {
        return (int) readVarint();
    }

    boolean readBool() throws MalformedProtoException {
        return readVarint() != 0;
    }

    float readFloat() throws MalformedProtoException {
        require(4);
        int bits = (buffer[position] & 0xFF) | (buffer[position + 1] & 0xFF) << 8
                | (buffer[position + 2] & 0xFF) << 16 | (buffer[position + 3] & 0xFF) << 24;
        position += 4;
        return Float.intBitsToFloat(bits);
    }

    String readString() throws MalformedProtoException {
        int length = readLength();
        String value = new String(buffer, position, length, StandardCharsets.UTF_8);
        position += length;
        return value;
    }

    /** Length of a length-delimited field, then skips it without reading. */
    int readBytesLength() throws MalformedProtoException {
        int length = readLength();
        position += length;
        return length;
    }

    ProtoReader readMessage() throws MalformedProtoException {
        int length = readLength();
        ProtoReader message = new ProtoReader(buffer, position, position + length);
        position += length;
        return message;
    }

    void skip(int tag) throws MalformedProtoException {
        switch (wireType(tag)) {
            case VARINT -> readVarint();
            case FIXED64 -> {
                require(8);
                position += 8;
            }
            case LENGTH_DELIMITED -> {
                // Not "position += readLength()": that would add to the position read before the length.
                int length = readLength();
                position += length;
            }
            case FIXED32 -> {
                require(4);
                position += 4;
            }
            default -> throw new MalformedProtoException("unsupported wire type " + wireType(tag)
                    + " of field " + fieldNumber(tag) + " at byte " + position);
        }
    }

    private int readLength() throws MalformedProtoException {
        long length = readVarint();
        if (length < 0 || length > limit - position) {
            throw new MalformedProtoException("length " + length + " runs past the end at byte " + position);
        }
        return (int) length;
    }

    private void require(int bytes) throws MalformedProtoException {
        if (limit - position < bytes) {
            throw new MalformedProtoException("truncated field at byte " + position);
        }
    }
}
