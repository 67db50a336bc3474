package org.tramontane.engine;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.tramontane.kvcache.BlockPool;
import org.tramontane.kvcache.BlockTable;
import org.tramontane.kvcache.KvCacheManager;
import org.tramontane.model.CausalLm;
import org.tramontane.tokenizer.Tokenizer;

/**
 * Continuous batching for a server: one thread runs {@link Scheduler} steps back to back while
 * other threads submit and abort sequences; submissions and aborts take effect between steps.
 * Each sequence streams to its {@link StreamSink} on this thread. A full waiting queue refuses at
 * once; a dry pool preempts (the scheduler's), never fails a sequence. Greedy tokens are those
 * {@link Generator} picks: the same scheduler, batch building and sampler.
 */
public final class EngineLoop implements AutoCloseable {
    /** The default pool holds this many positions when --num-blocks is 0 (max-num-seqs full contexts rarely fit). */
    static final int DEFAULT_POOL_POSITIONS = 65536;

    private final CausalLm model;
    private final EngineOptions options;
    private final Tokenizer tokenizer;
    private final int maxQueue;
    private final BlockPool pool;
    private final Scheduler scheduler;
    private final LinkedBlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private final Map<Sequence, Live> live = new IdentityHashMap<>();
    /** Sequences submitted and not yet scheduled for the first time. */
    private final AtomicInteger numQueued = new AtomicInteger();
    private final Thread thread;
    private volatile boolean closed;
    private volatile LoopStats stats;

    /** One submitted sequence's stream state; touched only by the loop thread. */
    private static final class Live {
        final StreamRequest request;
        final StreamSink sink;
        final TextStream text;
        boolean scheduled;

        Live(StreamRequest request, StreamSink sink, TextStream text) {
            this.request = request;
            this.sink = sink;
            this.text = text;
        }
    }

    /** What {@link #submit} returns: the sequences to {@link #abort} when the caller goes away. */
    public static final class Submission {
        private final List<Sequence> seqs;

        private Submission(List<Sequence> seqs) {
            this.seqs = seqs;
        }
    }

    EngineLoop(CausalLm model, EngineOptions options, Tokenizer tokenizer, int maxQueue) {
        if (maxQueue < 1) throw new EngineException("--max-queue must be >= 1");
        this.model = model;
        this.options = options;
        this.tokenizer = tokenizer;
        this.maxQueue = maxQueue;
        int numBlocks = options.numBlocks() > 0 ? options.numBlocks()
                : BlockTable.blocksFor((int) Math.min((long) options.maxNumSeqs() * options.maxModelLen(), DEFAULT_POOL_POSITIONS),
                        options.blockSize());
        this.pool = new BlockPool(numBlocks);
        model.allocateKvCache(numBlocks, options.blockSize());
        this.scheduler = new Scheduler(new KvCacheManager(pool, options.cachePolicy(model.slidingWindow())),
                options.maxNumSeqs(), options.maxNumBatchedTokens());
        publishStats();
        this.thread = new Thread(this::run, "engine-loop");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Positions one sequence may reach: the context length (prompt + output). */
    public int maxModelLen() {
        return options.maxModelLen();
    }

    /** Positions one sequence may hold in the pool: a longer one could never run. */
    public int maxPoolPositions() {
        return pool.numBlocks() * options.blockSize();
    }

    public int vocabSize() {
        return model.vocabSize();
    }

    public LoopStats stats() {
        return stats;
    }

    /**
     * Queues the sequences (all or none), each streaming to its sink; empty when the waiting queue
     * cannot take them all (the caller answers 503).
     *
     * @throws IllegalArgumentException for a sequence that could never run (validate before)
     */
    public Optional<Submission> submit(List<StreamRequest> requests, List<StreamSink> sinks) {
        if (requests.size() != sinks.size()) throw new IllegalArgumentException("one sink per request");
        List<Sequence> seqs = new ArrayList<>();
        List<Live> lives = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            StreamRequest r = requests.get(i);
            GenerationRequest g = r.generation();
            int total = g.promptIds().length + g.maxNewTokens();
            if (total > options.maxModelLen() || total > maxPoolPositions()) {
                throw new IllegalArgumentException("sequence of " + total + " positions exceeds the context or the pool");
            }
            for (int id : g.promptIds()) {
                if (id < 0 || id >= model.vocabSize()) throw new IllegalArgumentException("token id " + id + " outside the vocabulary");
            }
            seqs.add(new Sequence(r.choiceIdx(), g, options.blockSize()));
            lives.add(new Live(r, sinks.get(i), new TextStream(tokenizer.newDecoder(), r.stop())));
        }
        int n = seqs.size();
        while (true) {
            int q = numQueued.get();
            if (q + n > maxQueue || closed) return Optional.empty();
            if (numQueued.compareAndSet(q, q + n)) break;
        }
        commands.add(() -> {
            for (int i = 0; i < n; i++) {
                live.put(seqs.get(i), lives.get(i));
                scheduler.add(seqs.get(i));
            }
        });
        return Optional.of(new Submission(seqs));
    }

    /** Ends the submission's unfinished sequences before the next step and frees their blocks. */
    public void abort(Submission submission) {
        commands.add(() -> {
            for (Sequence s : submission.seqs) {
                Live l = live.remove(s);
                if (l == null) continue;
                scheduler.abort(s);
                if (!l.scheduled) numQueued.decrementAndGet();
                l.sink.onFinish(new StreamFinish(FinishReason.ABORT, "", s.request.promptIds().length, s.numOutput(),
                        Math.max(s.numCachedTokens, 0)));
            }
        });
    }

    private void run() {
        while (!closed) {
            try {
                if (!scheduler.hasWork()) {
                    publishStats();
                    commands.take().run();
                }
                for (Runnable c; (c = commands.poll()) != null; ) c.run();
                if (scheduler.hasWork()) step();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                failAll(e);
            }
            publishStats();
        }
    }

    private void step() {
        SchedulerOutput out = scheduler.schedule()
                .orElseThrow(() -> new IllegalStateException("scheduler stalled with work left"));
        for (ScheduledSeq ss : out.scheduled()) {
            Live l = live.get(ss.seq());
            if (!l.scheduled) {
                l.scheduled = true;
                numQueued.decrementAndGet();
                l.sink.onScheduled();
            }
        }
        float[][] logits = model.forward(Generator.batchOf(out));
        int row = 0;
        for (ScheduledSeq ss : out.scheduled()) {
            if (!Generator.completes(ss)) continue;
            float[] rowLogits = logits[row++];
            Sequence s = ss.seq();
            Live l = live.get(s);
            float[] sampled = rowLogits;
            if (!l.request.adjust().isNone()) {
                sampled = rowLogits.clone();
                l.request.adjust().apply(sampled, s.tokens(), s.numTokens(), s.request.promptIds().length,
                        s.request.sampling().temperature());
            }
            int token = Sampler.sample(sampled, s.request.sampling(), s.rng);
            s.append(token);
            TokenLogprobs lp = l.request.numLogprobs() < 0 ? null : TokenLogprobs.of(rowLogits, token, l.request.numLogprobs());
            FinishReason reason = tokenStop(s, l, token);
            String text = reason == null ? l.text.push(token) : "";
            if (reason == null && l.text.stopped()) reason = FinishReason.STOP;
            if (reason == null && s.numOutput() >= s.request.maxNewTokens()) reason = FinishReason.LENGTH;
            s.finishReason = reason;
            l.sink.onToken(new TokenOutput(token, text, lp));
            if (reason != null) {
                live.remove(s);
                l.sink.onFinish(new StreamFinish(reason, l.text.finish(), s.request.promptIds().length, s.numOutput(),
                        s.numCachedTokens));
            }
        }
        scheduler.update(out);
    }

    /** A stop token id or EOS ends the sequence before its text counts (special tokens have none anyway). */
    private FinishReason tokenStop(Sequence s, Live l, int token) {
        for (int id : l.request.stopTokenIds()) {
            if (id == token) return FinishReason.STOP;
        }
        if (token == tokenizer.eosId() && !s.request.ignoreEos()) return FinishReason.EOS;
        return null;
    }

    /** A failed step: every sequence is dropped, its blocks freed (the cached ones forgotten), its sink told. */
    private void failAll(RuntimeException e) {
        scheduler.abortAll();
        for (Live l : live.values()) {
            if (!l.scheduled) numQueued.decrementAndGet();
            l.sink.onError(e);
        }
        live.clear();
    }

    private void publishStats() {
        stats = new LoopStats(scheduler.numRunning(), scheduler.numWaiting(), pool.numBlocks(),
                pool.numFree(), scheduler.numPreemptions(), scheduler.prefixCacheStats());
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
