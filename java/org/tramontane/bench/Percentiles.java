package org.tramontane.bench;

import java.util.Arrays;

/** Percentiles as numpy computes them by default: linear interpolation between the ranks of the sorted values. */
public final class Percentiles {
    private Percentiles() {}

    /** Percentile {@code pct} (0..100) of {@code values} (not modified; at least one value). */
    public static double linear(double[] values, double pct) {
        if (values.length == 0) throw new IllegalArgumentException("percentile of no values");
        double[] s = values.clone();
        Arrays.sort(s);
        double rank = pct / 100 * (s.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (s[hi] - s[lo]) * (rank - lo);
    }
}
