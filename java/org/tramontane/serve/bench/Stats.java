package org.tramontane.serve.bench;

import java.util.List;
import org.tramontane.bench.Percentiles;

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
        return Percentiles.linear(v.stream().mapToDouble(Double::doubleValue).toArray(), pct);
    }
}
