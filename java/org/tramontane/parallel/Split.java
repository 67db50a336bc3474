package org.tramontane.parallel;

/** How one weight is divided among tensor-parallel ranks (HF layout: linear weights are [out, in]). */
public enum Split {
    /** Every rank holds the whole tensor. */
    REPLICATED,
    /** Output features (axis 0) split: each rank computes a slice of the outputs. */
    COLUMN,
    /** Input features (axis 1) split: each rank computes a partial sum, then all-reduce. */
    ROW
}
