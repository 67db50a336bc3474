package org.tramontane.modeltest;

/** One performance case: {@code inputLen} random prompt ids, exactly {@code outputLen} generated tokens. */
public record CasePair(int inputLen, int outputLen) {
    public CasePair {
        if (inputLen < 1 || outputLen < 2) throw new IllegalArgumentException("case pair [" + inputLen + "," + outputLen + "]");
    }

    @Override
    public String toString() {
        return "[" + inputLen + "," + outputLen + "]";
    }
}
