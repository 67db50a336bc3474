package org.tramontane.serve.bench;

import java.util.List;

/** Mean, median and percentiles as numpy computes them (linear interpolation); 0 for no samples, as vLLM prints. */
final class Stats {
    private Stats() {}

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    static double median(List<Double> v) {
        return percentile(v, 50);
    }

    static double p99(List<Double> v) {
        return percentile(v, 99);
    }

    static double percentile(List<Double> v, double pct) {
        if (v.isEmpty()) return 0;
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double rank = pct / 100 * (s.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (rank - lo) * (s[hi] - s[lo]);
    }
}
