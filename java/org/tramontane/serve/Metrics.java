package org.tramontane.serve;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import org.tramontane.engine.FinishReason;
import org.tramontane.engine.LoopStats;

/**
 * The server's Prometheus metrics under vLLM's names and buckets, so dashboards built for vLLM
 * read them unchanged. Gauges come from the engine loop's latest step; counters and histograms are
 * fed per sequence as it is scheduled, streams and finishes.
 */
final class Metrics {
    private static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
        1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    private static final double[] ITL_BUCKETS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0,
        2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    private static final double[] REQUEST_BUCKETS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0,
        40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

    private final String modelName;
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generationTokens = new LongAdder();
    private final LongAdder[] success = new LongAdder[FinishReason.values().length];
    private final Histogram ttft = new Histogram(TTFT_BUCKETS);
    private final Histogram itl = new Histogram(ITL_BUCKETS);
    private final Histogram e2e = new Histogram(REQUEST_BUCKETS);
    private final Histogram queue = new Histogram(REQUEST_BUCKETS);

    Metrics(String modelName) {
        this.modelName = modelName;
        for (int i = 0; i < success.length; i++) success[i] = new LongAdder();
    }

    /** One bucketed distribution; observations come from the engine thread, reads from scrapes. */
    private static final class Histogram {
        final double[] bounds;
        final long[] counts;
        double sum;
        long count;

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new long[bounds.length];
        }

        synchronized void observe(double v) {
            for (int i = 0; i < bounds.length; i++) {
                if (v <= bounds[i]) counts[i]++;
            }
            sum += v;
            count++;
        }
    }

    /** vLLM's finished_reason label values. */
    static String label(FinishReason r) {
        return switch (r) {
            case EOS, STOP -> "stop";
            case LENGTH -> "length";
            case ABORT -> "abort";
        };
    }

    void queued(double seconds) {
        queue.observe(seconds);
    }

    void firstToken(double seconds) {
        ttft.observe(seconds);
    }

    void interToken(double seconds) {
        itl.observe(seconds);
    }

    void finished(FinishReason reason, int numPromptTokens, int numOutputTokens, double e2eSeconds) {
        promptTokens.add(numPromptTokens);
        generationTokens.add(numOutputTokens);
        success[reason.ordinal()].increment();
        e2e.observe(e2eSeconds);
    }

    /** The Prometheus text exposition (format 0.0.4). */
    String render(LoopStats stats) {
        StringBuilder out = new StringBuilder();
        gauge(out, "vllm:num_requests_running", "Number of requests in model execution batches.", stats.numRunning());
        gauge(out, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", stats.numWaiting());
        gauge(out, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", stats.kvCacheUsage());
        counter(out, "vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", stats.numPreemptions());
        counter(out, "vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.",
                stats.prefixCache().queries());
        counter(out, "vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.",
                stats.prefixCache().hits());
        counter(out, "vllm:prompt_tokens_total", "Number of prefill tokens processed.", promptTokens.sum());
        counter(out, "vllm:generation_tokens_total", "Number of generation tokens processed.", generationTokens.sum());
        String name = "vllm:request_success_total";
        out.append("# HELP ").append(name).append(" Count of successfully processed requests.\n");
        out.append("# TYPE ").append(name).append(" counter\n");
        for (String reason : new String[] {"stop", "length", "abort"}) {
            long n = 0;
            for (FinishReason r : FinishReason.values()) {
                if (label(r).equals(reason)) n += success[r.ordinal()].sum();
            }
            out.append(name).append(labels("finished_reason", reason)).append(' ').append(n).append('\n');
        }
        histogram(out, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ttft);
        histogram(out, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", itl);
        histogram(out, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", e2e);
        histogram(out, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", queue);
        return out.toString();
    }

    private String labels(String key, String value) {
        return "{model_name=\"" + escape(modelName) + "\"" + (key == null ? "" : "," + key + "=\"" + value + "\"") + "}";
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private void gauge(StringBuilder out, String name, String help, double value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append(labels(null, null)).append(' ').append(number(value)).append('\n');
    }

    private void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        out.append(name).append(labels(null, null)).append(' ').append(value).append('\n');
    }

    private void histogram(StringBuilder out, String name, String help, Histogram h) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        synchronized (h) {
            for (int i = 0; i < h.bounds.length; i++) {
                out.append(name).append("_bucket").append(labels("le", number(h.bounds[i]))).append(' ').append(h.counts[i]).append('\n');
            }
            out.append(name).append("_bucket").append(labels("le", "+Inf")).append(' ').append(h.count).append('\n');
            out.append(name).append("_sum").append(labels(null, null)).append(' ').append(number(h.sum)).append('\n');
            out.append(name).append("_count").append(labels(null, null)).append(' ').append(h.count).append('\n');
        }
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%.1f", v) : Double.toString(v);
    }
}
