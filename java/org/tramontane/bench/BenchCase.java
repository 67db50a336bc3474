package org.tramontane.bench;

/**
 * What one bench case measured (medians over the repeats), in the units of the JSON output:
 * tokens/s, ms, bytes. Ratios are achieved / limit of the same run; null where the limit is unknown.
 */
public record BenchCase(String dtype, String quantize, int batchSize, int inputLen, int outputLen,
        double prefillTokensPerS, double decodeTokensPerS, double decodeTokensPerSPerSeq, double firstTokenMs,
        double tokenMsP50, double tokenMsP90, long peakRssBytes, long decodeBytesPerStep, Double decodeRooflineRatio,
        Double prefillPeakRatio) {
}
