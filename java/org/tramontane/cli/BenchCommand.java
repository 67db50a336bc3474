package org.tramontane.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tramontane.config.DType;
import org.tramontane.bench.BenchCase;
import org.tramontane.bench.BenchRunner;
import org.tramontane.bench.MachineLimits;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.ModelSource;
import org.tramontane.config.QuantScheme;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prefill and decode speed against the machine's limits probed in the same run.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    ParallelOptions parallel;

    @Option(names = "--quantize", paramLabel = "SCHEME", description = "w8a8_dynamic or w8a16: quantize the float (or dummy) linears at load, per output channel as `quantize` does.")
    String quantize;

    @Option(names = "--batch-size", paramLabel = "N[,N...]", split = ",", defaultValue = "1",
            description = "Batch sizes, one case each. Default: ${DEFAULT-VALUE}.")
    List<Integer> batchSizes;

    @Option(names = "--input-len", paramLabel = "N", defaultValue = "512", description = "Prompt tokens per sequence. Default: ${DEFAULT-VALUE}.")
    int inputLen;

    @Option(names = "--output-len", paramLabel = "N", defaultValue = "128", description = "Generated tokens per sequence. Default: ${DEFAULT-VALUE}.")
    int outputLen;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Untimed runs per case. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "Timed runs per case (medians). Default: ${DEFAULT-VALUE}.")
    int repeats;

    @Option(names = "--max-num-batched-tokens", paramLabel = "N", defaultValue = "" + EngineOptions.DEFAULT_MAX_NUM_BATCHED_TOKENS,
            description = "Tokens one engine step computes at most (the engine's chunked-prefill budget; activation "
                    + "memory grows with it). Default: ${DEFAULT-VALUE}.")
    int maxNumBatchedTokens;

    @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
    String outputFormat;

    @Override
    public Integer call() throws IOException {
        if (!outputFormat.equals("text") && !outputFormat.equals("json")) throw usage("--output-format must be text or json");
        QuantScheme scheme = quantize == null ? null : QuantScheme.fromConfigName(quantize)
                .orElseThrow(() -> usage("--quantize must be one of " + QuantScheme.configNames() + " (got " + quantize + ")"));
        if (batchSizes.isEmpty() || batchSizes.stream().anyMatch(b -> b < 1)) throw usage("--batch-size values must be >= 1");
        if (inputLen < 1) throw usage("--input-len must be >= 1");
        if (outputLen < 2) throw usage("--output-len must be >= 2 (decode is timed from the second token)");
        if (warmup < 0 || repeats < 1) throw usage("--warmup must be >= 0 and --repeats >= 1");
        if (maxNumBatchedTokens < 1) throw usage("--max-num-batched-tokens must be >= 1");
        int worldSize = parallel.resolve();
        ModelSource src = model.toSource(worldSize).withQuantize(scheme);
        if (src.dtype() == null) src = src.withDtype(DType.BF16);
        PrintWriter err = spec.commandLine().getErr();
        BenchRunner.Report report = BenchRunner.run(src,
                new BenchRunner.Settings(batchSizes, inputLen, outputLen, warmup, repeats, maxNumBatchedTokens), msg -> {
                    err.println("bench: " + msg);
                    err.flush();
                });
        PrintWriter out = spec.commandLine().getOut();
        out.println(outputFormat.equals("json") ? new ObjectMapper().writeValueAsString(json(report)) : text(report));
        out.flush();
        return 0;
    }

    private ParameterException usage(String msg) {
        return new ParameterException(spec.commandLine(), msg);
    }

    static Map<String, Object> json(BenchRunner.Report r) {
        MachineLimits m = r.machine();
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("threads", m.threads());
        machine.put("read_bandwidth_gbs", m.readBandwidthGbs());
        machine.put("fp32_peak_gflops", m.fp32PeakGflops());
        machine.put("bf16_peak_gflops", m.bf16PeakGflops());
        machine.put("int8_peak_gops", m.int8PeakGops());
        List<Map<String, Object>> cases = new ArrayList<>();
        for (BenchCase c : r.cases()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("dtype", c.dtype());
            o.put("quantize", c.quantize());
            o.put("batch_size", c.batchSize());
            o.put("input_len", c.inputLen());
            o.put("output_len", c.outputLen());
            o.put("prefill_tokens_per_s", c.prefillTokensPerS());
            o.put("decode_tokens_per_s", c.decodeTokensPerS());
            o.put("decode_tokens_per_s_per_seq", c.decodeTokensPerSPerSeq());
            o.put("first_token_ms", c.firstTokenMs());
            o.put("token_ms_p50", c.tokenMsP50());
            o.put("token_ms_p90", c.tokenMsP90());
            o.put("peak_rss_bytes", c.peakRssBytes());
            o.put("decode_bytes_per_step", c.decodeBytesPerStep());
            o.put("decode_roofline_ratio", c.decodeRooflineRatio());
            o.put("prefill_peak_ratio", c.prefillPeakRatio());
            cases.add(o);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("machine", machine);
        root.put("cases", cases);
        return root;
    }

    static String text(BenchRunner.Report r) {
        MachineLimits m = r.machine();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "machine  %d threads, ISA %s: read %.1f GB/s, fp32 FMA %.0f GFLOP/s, "
                + "bf16-dot %s, int8 VNNI %s%n", m.threads(), r.isa(), m.readBandwidthGbs(), m.fp32PeakGflops(),
                orNa(m.bf16PeakGflops(), "GFLOP/s"), orNa(m.int8PeakGops(), "GOP/s")));
        long budget = r.weightBytes() + r.kvCacheBytes();
        sb.append(String.format(Locale.ROOT, "model    %d layers, hidden %d, %d experts (top %d), --dtype %s: weights %.1f MB,"
                + " KV cache %.1f MB%n", r.config().numLayers(), r.config().hiddenSize(), r.config().numExperts(),
                r.config().topK(), r.dtype().cliName + quantized(r), r.weightBytes() / 1e6, r.kvCacheBytes() / 1e6));
        sb.append(String.format(Locale.ROOT, "%5s %5s %5s %4s | %9s %9s | %9s %8s %8s %8s %8s | %8s %8s | %8s %7s%n",
                "dtype", "batch", "in", "out", "prefill/s", "of peak", "decode/s", "per seq", "first ms", "p50 ms",
                "p90 ms", "MB/step", "roofline", "RSS MB", "/(w+kv)"));
        for (BenchCase c : r.cases()) {
            sb.append(String.format(Locale.ROOT, "%5s %5d %5d %4d | %9.1f %9s | %9.1f %8.1f %8.1f %8.2f %8.2f | %8.1f %8s"
                    + " | %8.1f %7.3f%n", c.dtype(), c.batchSize(), c.inputLen(), c.outputLen(), c.prefillTokensPerS(),
                    pct(c.prefillPeakRatio()), c.decodeTokensPerS(), c.decodeTokensPerSPerSeq(), c.firstTokenMs(),
                    c.tokenMsP50(), c.tokenMsP90(), c.decodeBytesPerStep() / 1e6, pct(c.decodeRooflineRatio()),
                    c.peakRssBytes() / 1e6, c.peakRssBytes() / (double) budget));
        }
        sb.append("prefill/s and decode/s are tokens/s over the whole batch; 'of peak' = prefill FLOPs/s over the bf16-dot"
                + " peak (fp32 FMA peak where the CPU has no bf16 dot or the dtype is not bf16); roofline = weight bytes"
                + " per decode step x steps/s over the read bandwidth.");
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
