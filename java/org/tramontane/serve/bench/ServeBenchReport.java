package org.tramontane.serve.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;

/**
 * vLLM {@code bench serve}'s metrics under its names and definitions: TTFT is the time to the first
 * streamed token, TPOT = (E2EL - TTFT) / (output tokens - 1) per request, ITL the gaps between
 * streamed chunks, E2EL the whole request; throughputs over the run's wall time.
 */
public record ServeBenchReport(
        int completed,
        int failed,
        double duration,
        @JsonProperty("total_input_tokens") long totalInputTokens,
        @JsonProperty("total_output_tokens") long totalOutputTokens,
        @JsonProperty("request_throughput") double requestThroughput,
        @JsonProperty("output_throughput") double outputThroughput,
        @JsonProperty("total_token_throughput") double totalTokenThroughput,
        @JsonProperty("mean_ttft_ms") double meanTtftMs,
        @JsonProperty("median_ttft_ms") double medianTtftMs,
        @JsonProperty("p99_ttft_ms") double p99TtftMs,
        @JsonProperty("mean_tpot_ms") double meanTpotMs,
        @JsonProperty("median_tpot_ms") double medianTpotMs,
        @JsonProperty("p99_tpot_ms") double p99TpotMs,
        @JsonProperty("mean_itl_ms") double meanItlMs,
        @JsonProperty("median_itl_ms") double medianItlMs,
        @JsonProperty("p99_itl_ms") double p99ItlMs,
        @JsonProperty("mean_e2el_ms") double meanE2elMs,
        @JsonProperty("median_e2el_ms") double medianE2elMs,
        @JsonProperty("p99_e2el_ms") double p99E2elMs) {

    /** The JSON vLLM saves with --save-result, under the same keys. */
    public String json() {
        try {
            return new ObjectMapper().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The table vLLM prints. */
    public String text() {
        StringBuilder out = new StringBuilder("============ Serving Benchmark Result ============\n");
        row(out, "Successful requests:", completed);
        row(out, "Failed requests:", failed);
        row(out, "Benchmark duration (s):", duration);
        row(out, "Total input tokens:", totalInputTokens);
        row(out, "Total generated tokens:", totalOutputTokens);
        row(out, "Request throughput (req/s):", requestThroughput);
        row(out, "Output token throughput (tok/s):", outputThroughput);
        row(out, "Total Token throughput (tok/s):", totalTokenThroughput);
        section(out, "Time to First Token", "TTFT", meanTtftMs, medianTtftMs, p99TtftMs);
        section(out, "Time per Output Token (excl. 1st token)", "TPOT", meanTpotMs, medianTpotMs, p99TpotMs);
        section(out, "Inter-token Latency", "ITL", meanItlMs, medianItlMs, p99ItlMs);
        section(out, "End-to-end Latency", "E2EL", meanE2elMs, medianE2elMs, p99E2elMs);
        return out.append("==================================================\n").toString();
    }

    private static void section(StringBuilder out, String title, String name, double mean, double median, double p99) {
        int pad = Math.max(0, 50 - title.length() - 2);
        out.append("-".repeat(pad / 2)).append(title).append("-".repeat(pad - pad / 2)).append('\n');
        row(out, "Mean " + name + " (ms):", mean);
        row(out, "Median " + name + " (ms):", median);
        row(out, "P99 " + name + " (ms):", p99);
    }

    private static void row(StringBuilder out, String label, double value) {
        out.append(String.format(Locale.ROOT, "%-40s %-10.2f%n", label, value));
    }

    private static void row(StringBuilder out, String label, long value) {
        out.append(String.format(Locale.ROOT, "%-40s %-10d%n", label, value));
    }
}
