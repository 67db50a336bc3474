package org.tramontane.engine;

/** Why a sequence stopped. */
public enum FinishReason {
    /** The model produced the end-of-sequence token. */
    EOS,
    /** It reached its maximum number of new tokens. */
    LENGTH
}
