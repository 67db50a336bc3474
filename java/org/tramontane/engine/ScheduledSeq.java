package org.tramontane.engine;

/** One sequence's share of a step: positions [start, start + numTokens) are computed. */
record ScheduledSeq(Sequence seq, int start, int numTokens) {
}
