package org.tramontane.serve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;

/**
 * Runs {@link ServeBenchOptions}: random token-id prompts of {@code inputLen}, streamed completions
 * of exactly {@code outputLen} tokens (ignore_eos), at most {@code concurrency} in flight, started
 * at {@code requestRate}; each streamed chunk's arrival is timed.
 */
public final class ServeBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Prompt ids are drawn from here: inside any Mixtral vocabulary, clear of the control and byte pieces. */
    private static final int MIN_ID = 300, MAX_ID = 30000;

    private ServeBench() {}

    /** One request's timings: start, each chunk with text, end (nanoTime), and its usage. */
    private static final class Timing implements Flow.Subscriber<String> {
        final long startNanos = System.nanoTime();
        final List<Long> chunkNanos = new ArrayList<>();
        long endNanos;
        int outputTokens = -1;
        boolean done;
        final CompletableFuture<Timing> finished = new CompletableFuture<>();

        @Override
        public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (!line.startsWith("data: ")) return;
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                done = true;
                return;
            }
            try {
                JsonNode chunk = JSON.readTree(data);
                JsonNode usage = chunk.get("usage");
                if (usage != null && !usage.isNull()) outputTokens = usage.get("completion_tokens").asInt();
                JsonNode choices = chunk.get("choices");
                if (choices != null && choices.size() > 0 && !choices.get(0).path("text").asText().isEmpty()) {
                    chunkNanos.add(System.nanoTime());
                }
            } catch (IOException e) {
                finished.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            finished.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            endNanos = System.nanoTime();
            finished.complete(this);
        }

        boolean ok() {
            return done && outputTokens > 0 && !chunkNanos.isEmpty();
        }
    }

    public static ServeBenchReport run(ServeBenchOptions o) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30)).build();
        SplittableRandom rng = new SplittableRandom(o.seed());
        Semaphore slots = new Semaphore(o.concurrency());
        List<CompletableFuture<Timing>> runs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < o.numPrompts(); i++) {
            if (Double.isFinite(o.requestRate()) && i > 0) {
                Thread.sleep((long) (-Math.log(1 - rng.nextDouble()) / o.requestRate() * 1000));
            }
            slots.acquire();
            int[] prompt = rng.ints(o.inputLen(), MIN_ID, MAX_ID).toArray();
            String body = "{" + (o.model() == null ? "" : "\"model\": " + quote(o.model()) + ", ") + "\"prompt\": "
                    + Arrays.toString(prompt) + ", \"max_tokens\": " + o.outputLen() + ", \"ignore_eos\": true, \"temperature\": 0,"
                    + " \"stream\": true, \"stream_options\": {\"include_usage\": true}}";
            HttpRequest.Builder req = HttpRequest.newBuilder(o.url().resolve("/v1/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
            if (o.apiKey() != null) req.header("Authorization", "Bearer " + o.apiKey());
            Timing t = new Timing();
            client.sendAsync(req.build(), HttpResponse.BodyHandlers.fromLineSubscriber(t))
                    .whenComplete((r, e) -> {
                        slots.release();
                        if (e != null) t.finished.completeExceptionally(e);
                        else if (r.statusCode() != 200) t.finished.completeExceptionally(new IOException("HTTP " + r.statusCode()));
                    });
            runs.add(t.finished);
        }
        List<Timing> ok = new ArrayList<>();
        int failed = 0;
        for (CompletableFuture<Timing> f : runs) {
            try {
                Timing t = f.join();
                if (t.ok()) ok.add(t);
                else failed++;
            } catch (RuntimeException e) {
                failed++;
            }
        }
        return report(o, ok, failed, (System.nanoTime() - t0) / 1e9);
    }

    private static ServeBenchReport report(ServeBenchOptions o, List<Timing> ok, int failed, double seconds) {
        List<Double> ttft = new ArrayList<>(), tpot = new ArrayList<>(), itl = new ArrayList<>(), e2el = new ArrayList<>();
        long output = 0;
        for (Timing t : ok) {
            double first = (t.chunkNanos.get(0) - t.startNanos) / 1e6;
            double all = (t.endNanos - t.startNanos) / 1e6;
            ttft.add(first);
            e2el.add(all);
            if (t.outputTokens > 1) tpot.add((all - first) / (t.outputTokens - 1));
            for (int i = 1; i < t.chunkNanos.size(); i++) itl.add((t.chunkNanos.get(i) - t.chunkNanos.get(i - 1)) / 1e6);
            output += t.outputTokens;
        }
        long input = (long) ok.size() * o.inputLen();
        return new ServeBenchReport(ok.size(), failed, seconds, input, output, ok.size() / seconds, output / seconds,
                (input + output) / seconds, Stats.mean(ttft), Stats.median(ttft), Stats.p99(ttft), Stats.mean(tpot),
                Stats.median(tpot), Stats.p99(tpot), Stats.mean(itl), Stats.median(itl), Stats.p99(itl), Stats.mean(e2el),
                Stats.median(e2el), Stats.p99(e2el));
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
