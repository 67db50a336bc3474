package org.tramontane.serve;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.engine.EngineLoop;
import org.tramontane.engine.FinishReason;
import org.tramontane.engine.StreamFinish;
import org.tramontane.engine.StreamSink;
import org.tramontane.engine.TokenOutput;
import org.tramontane.serve.api.Usage;

/**
 * One generation request in flight: the engine streams every choice into it (on the engine thread),
 * and it writes SSE chunks as they come or the whole answer at the end. A client that goes away
 * (a failed write, a reset stream) aborts its sequences, which frees their blocks at the next step.
 */
final class Exchange {
    private final GenerationPlan plan;
    private final ResponseShape shape;
    private final ResponseShape.Header header;
    private final AsyncWriter writer;
    private final Metrics metrics;
    private final EngineLoop loop;
    private final long arrivalNanos;
    private final Choice[] choices;
    private int numOpen;
    private boolean failed;
    private boolean gone;
    private EngineLoop.Submission submission;
    /** When this exchange last wrote anything, for {@link #heartbeat}. */
    private volatile long lastWriteNanos;
    private volatile boolean over;

    /** One choice's state; touched only by the engine thread. */
    private final class Choice implements StreamSink {
        final int index;
        final int promptIdx;
        final StringBuilder text = new StringBuilder();
        final List<TokenOutput> tokens;
        String finishReason;
        long lastTokenNanos;
        int numOutput;
        int numCachedTokens;

        Choice(int index) {
            this.index = index;
            this.promptIdx = index / plan.n();
            this.tokens = plan.logprobs() ? new ArrayList<>() : null;
            if (plan.echo()) text.append(plan.promptTexts().get(promptIdx));
        }

        @Override
        public void onScheduled() {
            metrics.queued(seconds(System.nanoTime() - arrivalNanos));
            String opening = plan.stream() ? shape.opening(header, index) : null;
            if (opening != null) event(opening);
            if (plan.stream() && plan.echo()) event(shape.chunk(header, new ChoicePart(index, text.toString(), null, null)));
        }

        @Override
        public void onToken(TokenOutput token) {
            long now = System.nanoTime();
            if (numOutput == 0) {
                metrics.firstToken(seconds(now - arrivalNanos));
            } else {
                metrics.interToken(seconds(now - lastTokenNanos));
            }
            lastTokenNanos = now;
            numOutput++;
            if (plan.stream()) {
                if (!token.text().isEmpty() || tokens != null) {
                    event(shape.chunk(header, new ChoicePart(index, token.text(), tokens == null ? null : List.of(token), null)));
                }
            } else {
                text.append(token.text());
                if (tokens != null) tokens.add(token);
            }
        }

        @Override
        public void onFinish(StreamFinish finish) {
            metrics.finished(finish.reason(), finish.numPromptTokens(), finish.numOutputTokens(),
                    seconds(System.nanoTime() - arrivalNanos));
            finishReason = Metrics.label(finish.reason());
            numCachedTokens = finish.numCachedTokens();
            if (finish.reason() == FinishReason.ABORT) {
                closed();
                return;
            }
            if (plan.stream()) {
                event(shape.chunk(header, new ChoicePart(index, finish.text(), tokens == null ? null : List.of(), finishReason)));
            } else {
                text.append(finish.text());
            }
            closed();
        }

        @Override
        public void onError(RuntimeException error) {
            failed = true;
            closed();
        }
    }

    Exchange(GenerationPlan plan, ResponseShape shape, ResponseShape.Header header, AsyncWriter.Factory writers,
            Metrics metrics, EngineLoop loop) {
        this.plan = plan;
        this.shape = shape;
        this.header = header;
        this.metrics = metrics;
        this.loop = loop;
        this.arrivalNanos = System.nanoTime();
        this.lastWriteNanos = arrivalNanos;
        this.writer = writers.create(this::clientGone);
        this.choices = new Choice[plan.sequences().size()];
        for (int i = 0; i < choices.length; i++) choices[i] = new Choice(i);
        this.numOpen = choices.length;
    }

    List<StreamSink> sinks() {
        return List.of(choices);
    }

    /** Called by the handler once the loop took the sequences. */
    synchronized void submitted(EngineLoop.Submission s) {
        submission = s;
        if (gone) loop.abort(s);
    }

    /** The client went away: abort what still runs (the loop ignores finished sequences). */
    synchronized void clientGone() {
        gone = true;
        if (submission != null) loop.abort(submission);
    }

    private void event(String json) {
        lastWriteNanos = System.nanoTime();
        writer.send("data: " + json + "\n\n", false);
    }

    /**
     * A stream that has written nothing for {@code quietNanos} (queued, or a long prefill) gets an
     * SSE comment, which clients skip: an HTTP/1.1 client that went away is noticed only by a write
     * failing, and this one frees its place in the queue. True while the exchange is in flight.
     */
    boolean heartbeat(long now, long quietNanos) {
        if (over) return false;
        if (plan.stream() && now - lastWriteNanos >= quietNanos) {
            lastWriteNanos = now;
            writer.send(": waiting\n\n", false);
        }
        return true;
    }

    /** After the last choice: usage, [DONE] or the whole answer. */
    private void closed() {
        if (--numOpen > 0) return;
        over = true;
        if (gone) return;
        Usage usage = usage();
        if (failed) {
            String error = Json.write(new ApiException(500, "server_error", null, "the engine step failed").body());
            if (plan.stream()) {
                writer.send("data: " + error + "\n\ndata: [DONE]\n\n", true);
            } else {
                writer.fail(500, error);
            }
            return;
        }
        if (plan.stream()) {
            if (plan.includeUsage()) event(shape.usageChunk(header, usage));
            writer.send("data: [DONE]\n\n", true);
            return;
        }
        List<ChoicePart> parts = new ArrayList<>();
        for (Choice c : choices) parts.add(new ChoicePart(c.index, c.text.toString(), c.tokens, c.finishReason));
        writer.send(shape.answer(header, parts, usage), true);
    }

    /** Each prompt counts once, its cached tokens those its first choice found (later ones share its blocks). */
    private Usage usage() {
        int prompt = 0, completion = 0, cached = 0;
        for (int[] p : plan.prompts()) prompt += p.length;
        for (Choice c : choices) {
            completion += c.numOutput;
            if (c.index % plan.n() == 0) cached += c.numCachedTokens;
        }
        return Usage.of(prompt, completion, cached);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
