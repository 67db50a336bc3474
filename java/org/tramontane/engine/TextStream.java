package org.tramontane.engine;

import java.util.List;
import org.tramontane.tokenizer.IncrementalDecoder;

/**
 * One sequence's text as its tokens come, with stop strings matched across token boundaries: the
 * last (longest stop - 1) characters stay held back until they can no longer start a match, so a
 * stop string is never partly sent. On a match, the text before it is released and the rest dropped.
 */
final class TextStream {
    private final IncrementalDecoder decoder;
    private final List<String> stop;
    private final int holdBack;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    TextStream(IncrementalDecoder decoder, List<String> stop) {
        this.decoder = decoder;
        this.stop = stop;
        int longest = 0;
        for (String s : stop) longest = Math.max(longest, s.length());
        this.holdBack = Math.max(0, longest - 1);
    }

    /** The text this token releases; after a stop-string match, {@link #stopped()} is true. */
    String push(int tokenId) {
        pending.append(decoder.push(tokenId));
        int at = -1;
        for (String s : stop) {
            int i = pending.indexOf(s);
            if (i >= 0 && (at < 0 || i < at)) at = i;
        }
        if (at >= 0) {
            stopped = true;
            String out = pending.substring(0, at);
            pending.setLength(0);
            return out;
        }
        int release = pending.length() - holdBack;
        if (release <= 0) return "";
        // never split a surrogate pair between two deltas
        if (Character.isHighSurrogate(pending.charAt(release - 1))) release--;
        String out = pending.substring(0, release);
        pending.delete(0, release);
        return out;
    }

    boolean stopped() {
        return stopped;
    }

    /** Whatever is still held back (nothing after a stop-string match). */
    String finish() {
        if (stopped) return "";
        pending.append(decoder.finish());
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }
}
