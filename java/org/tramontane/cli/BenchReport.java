package org.tramontane.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tramontane.bench.BenchCase;
import org.tramontane.bench.BenchRunner;
import org.tramontane.bench.MachineLimits;

/** What bench prints: a table for people, or JSON with the keys scripts parse. */
final class BenchReport {
    private BenchReport() {}

    static String json(BenchRunner.Report r) throws JsonProcessingException {
        MachineLimits m = r.machine();
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("threads", m.threads());
        machine.put("read_bandwidth_gbs", m.readBandwidthGbs());
        machine.put("fp32_peak_gflops", m.fp32PeakGflops());
        machine.put("bf16_peak_gflops", m.bf16PeakGflops());
        machine.put("int8_peak_gops", m.int8PeakGops());
        machine.put("amx_bf16_peak_gflops", m.amxBf16PeakGflops());
        machine.put("amx_int8_peak_gops", m.amxInt8PeakGops());
        machine.put("kernel_tuning", r.kernelTuning());
        List<Map<String, Object>> cases = new ArrayList<>();
        for (BenchCase c : r.cases()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("dtype", c.dtype());
            o.put("quantize", c.quantize());
            o.put("batch_size", c.batchSize());
            o.put("input_len", c.inputLen());
            o.put("output_len", c.outputLen());
            o.put("prefill_tokens_per_s", c.prefillTokensPerS());
            o.put("cached_tokens", c.cachedTokens());
            o.put("decode_tokens_per_s", c.decodeTokensPerS());
            o.put("decode_tokens_per_s_per_seq", c.decodeTokensPerSPerSeq());
            o.put("first_token_ms", c.firstTokenMs());
            o.put("token_ms_p50", c.tokenMsP50());
            o.put("token_ms_p90", c.tokenMsP90());
            o.put("peak_rss_bytes", c.peakRssBytes());
            o.put("kv_cache_bytes", c.kvCacheBytes());
            o.put("decode_bytes_per_step", c.decodeBytesPerStep());
            o.put("decode_roofline_ratio", c.decodeRooflineRatio());
            o.put("prefill_peak", c.prefillPeak().cliName);
            o.put("prefill_peak_ratio", c.prefillPeakRatio());
            o.put("prefill_attention_share", c.prefillAttentionShare());
            o.put("decode_attention_share", c.decodeAttentionShare());
            cases.add(o);
        }
        Map<String, Object> weights = new LinkedHashMap<>();
        weights.put("dtype", r.dtype().cliName);
        weights.put("bytes", r.weightBytes());
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("dtype", r.kvCacheDtype().cliName);
        kv.put("bytes", r.kvCacheBytes());
        Map<String, Object> prefix = new LinkedHashMap<>();
        prefix.put("prefix_len", r.prefix().prefixLen());
        prefix.put("enabled", r.prefix().caching());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("machine", machine);
        root.put("weights", weights);
        root.put("kv_cache", kv);
        root.put("prefix_caching", prefix);
        root.put("cases", cases);
        return new ObjectMapper().writeValueAsString(root);
    }

    static String text(BenchRunner.Report r) {
        MachineLimits m = r.machine();
        StringBuilder sb = new StringBuilder();
        String amx = m.amxBf16PeakGflops() == null ? "" : ", AMX bf16 " + orNa(m.amxBf16PeakGflops(), "GFLOP/s")
                + ", AMX int8 " + orNa(m.amxInt8PeakGops(), "GOP/s");
        sb.append(String.format(Locale.ROOT, "machine  %d threads, ISA %s: read %.1f GB/s, fp32 FMA %.0f GFLOP/s, "
                + "bf16-dot %s, int8 VNNI %s%s%n", m.threads(), r.isa(), m.readBandwidthGbs(), m.fp32PeakGflops(),
                orNa(m.bf16PeakGflops(), "GFLOP/s"), orNa(m.int8PeakGops(), "GOP/s"), amx));
        if (r.kernelTuning() != null) sb.append("kernels  tuning ").append(r.kernelTuning()).append(System.lineSeparator());
        long budget = r.weightBytes() + r.kvCacheBytes();
        sb.append(String.format(Locale.ROOT, "model    %d layers, hidden %d, %d experts (top %d), --dtype %s: weights %.1f MB,"
                + " KV cache %s %.1f MB%n", r.config().numLayers(), r.config().hiddenSize(), r.config().numExperts(),
                r.config().topK(), r.dtype().cliName + quantized(r), r.weightBytes() / 1e6, r.kvCacheDtype().cliName,
                r.kvCacheBytes() / 1e6));
        sb.append(String.format(Locale.ROOT, "prefix   %d tokens shared per batch, prefix caching %s%n", r.prefix().prefixLen(),
                r.prefix().caching() ? "on" : r.prefix().notice() != null ? "off (" + r.prefix().notice() + ")" : "off"));
        sb.append(String.format(Locale.ROOT, "%5s %5s %6s %4s | %9s %7s %12s %6s | %9s %8s %8s %8s %8s %6s | %8s %8s | %8s"
                + " %8s %7s%n", "dtype", "batch", "in", "out", "prefill/s", "cached", "of peak", "attn", "decode/s", "per seq",
                "first ms", "p50 ms", "p90 ms", "attn", "MB/step", "roofline", "KV MB", "RSS MB", "/(w+kv)"));
        for (BenchCase c : r.cases()) {
            sb.append(String.format(Locale.ROOT, "%5s %5d %6d %4d | %9.1f %7d %12s %6s | %9.1f %8.1f %8.1f %8.2f %8.2f %6s |"
                    + " %8.1f %8s | %8.1f %8.1f %7.3f%n", c.dtype(), c.batchSize(), c.inputLen(), c.outputLen(),
                    c.prefillTokensPerS(), c.cachedTokens(), pct(c.prefillPeakRatio()) + " " + c.prefillPeak().cliName,
                    pct(c.prefillAttentionShare()), c.decodeTokensPerS(), c.decodeTokensPerSPerSeq(), c.firstTokenMs(),
                    c.tokenMsP50(), c.tokenMsP90(), pct(c.decodeAttentionShare()), c.decodeBytesPerStep() / 1e6,
                    pct(c.decodeRooflineRatio()), c.kvCacheBytes() / 1e6, c.peakRssBytes() / 1e6,
                    c.peakRssBytes() / (double) budget));
        }
        sb.append("prefill/s and decode/s are tokens/s over the whole batch (prefill/s counts every prompt token, cached"
                + " ones too); cached = prompt tokens of a run found in the prefix cache; 'of peak' = prefill FLOPs/s over the peak"
                + " named beside it (int8 dot for W8A8, bf16 dot for bf16 where the CPU has them, the AMX tiles' where that level runs, else fp32 FMA); attn ="
                + " time inside the attention kernel over the prefill's or the decode steps' time, per rank; roofline ="
                + " weight bytes per decode step x steps/s over the read bandwidth; KV MB = the cache the case's sequences"
                + " fill; /(w+kv) = peak RSS over weights + the whole KV pool.");
        return sb.toString();
    }

    /** ", linears w8a8_dynamic" for a quantized model, else nothing. */
    private static String quantized(BenchRunner.Report r) {
        String q = r.cases().isEmpty() ? null : r.cases().get(0).quantize();
        return q == null ? "" : ", linears " + q;
    }

    private static String orNa(Double v, String unit) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.0f %s", v, unit);
    }

    private static String pct(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }
}
