package org.tramontane.bench;

/**
 * What one bench case measured (medians over the repeats), in the units of the JSON output:
 * tokens/s, ms, bytes. Ratios and shares are achieved / limit of the same run; null where the limit
 * (or the counter) is unknown.
 *
 * @param prefillTokensPerS     every prompt token of the batch (cached ones too) over the time to the first token
 * @param cachedTokens          prompt tokens of one run found in the prefix cache (0 without prefix caching)
 * @param kvCacheBytes          the cache the case's sequences fill at their last position (whole blocks)
 * @param prefillPeak           the peak prefillPeakRatio divides by
 * @param prefillAttentionShare time inside the attention kernel over the prefill's time, per rank
 * @param decodeAttentionShare  the same over the decode steps
 */
public record BenchCase(String dtype, String quantize, int batchSize, int inputLen, int outputLen,
        double prefillTokensPerS, long cachedTokens, double decodeTokensPerS, double decodeTokensPerSPerSeq, double firstTokenMs,
        double tokenMsP50, double tokenMsP90, long peakRssBytes, long kvCacheBytes, long decodeBytesPerStep,
        Double decodeRooflineRatio, MachineLimits.PeakKind prefillPeak, Double prefillPeakRatio,
        Double prefillAttentionShare, Double decodeAttentionShare) {
}
