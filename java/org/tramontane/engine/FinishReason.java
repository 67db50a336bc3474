package org.tramontane.engine;

/** Why a sequence stopped. */
public enum FinishReason {
    /** The model produced the end-of-sequence token. */
    EOS,
    /** It reached its maximum number of new tokens. */
    LENGTH,
    /** A stop string or one of the stop token ids matched. */
    STOP,
    /** The caller aborted it (a client that went away); its KV blocks went back to the pool. */
    ABORT
}
