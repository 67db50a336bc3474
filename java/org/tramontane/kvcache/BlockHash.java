package org.tramontane.kvcache;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * What a full KV block holds, as prefix caching knows it: SHA-256 over the hash of the block
 * before it (none for a sequence's first block) and this block's token ids, so equal hashes mean
 * the same tokens at the same positions after the same prefix, hence the same keys and values.
 * Nothing else is hashed: the model, its dtype, the KV-cache dtype and the block size are fixed
 * for a pool's lifetime. SHA-256, as vLLM defaults to, because a collision would hand one
 * sequence another's cache without any error.
 */
public final class BlockHash {
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    });

    private final byte[] digest;

    private BlockHash(byte[] digest) {
        this.digest = digest;
    }

    /** The hash of tokens [from, from + count) after the block whose hash is {@code parent} (null: none). */
    public static BlockHash of(BlockHash parent, int[] tokens, int from, int count) {
        if (from < 0 || count <= 0 || from + count > tokens.length) throw new IllegalArgumentException("tokens out of range");
        MessageDigest md = SHA256.get();
        md.reset();
        // a first block and a block after another differ in length, so no parent digest can pose as "none"
        if (parent != null) md.update(parent.digest);
        byte[] ids = new byte[4 * count];
        for (int i = 0; i < count; i++) {
            int t = tokens[from + i];
            ids[4 * i] = (byte) (t >>> 24);
            ids[4 * i + 1] = (byte) (t >>> 16);
            ids[4 * i + 2] = (byte) (t >>> 8);
            ids[4 * i + 3] = (byte) t;
        }
        md.update(ids);
        return new BlockHash(md.digest());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockHash h && Arrays.equals(digest, h.digest);
    }

    @Override
    public int hashCode() {
        return (digest[0] & 0xff) << 24 | (digest[1] & 0xff) << 16 | (digest[2] & 0xff) << 8 | digest[3] & 0xff;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("BlockHash[");
        for (int i = 0; i < 6; i++) s.append(String.format("%02x", digest[i]));
        return s.append("...]").toString();
    }
}
