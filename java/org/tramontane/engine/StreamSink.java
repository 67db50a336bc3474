package org.tramontane.engine;

/**
 * Receives one sequence's output from {@link EngineLoop}, on the loop's thread: every call must
 * return quickly (queue the bytes, never wait on a client).
 */
public interface StreamSink {
    /** The sequence was scheduled for the first time: it has left the waiting queue. */
    void onScheduled();

    /** One new token and the text it releases (possibly empty: held back for a stop string or an unfinished character). */
    void onToken(TokenOutput token);

    /** The sequence ended; no call follows. */
    void onFinish(StreamFinish finish);

    /** The step failed; the sequence is dropped and its blocks are back in the pool. No call follows. */
    void onError(RuntimeException error);
}
