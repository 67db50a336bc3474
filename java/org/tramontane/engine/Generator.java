package org.tramontane.engine;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.kvcache.BlockPool;
import org.tramontane.kvcache.BlockTable;
import org.tramontane.kvcache.KvCacheManager;
import org.tramontane.kvcache.PrefixCacheStats;
import org.tramontane.model.CausalLm;
import org.tramontane.model.ForwardBatch;

/**
 * Runs requests to completion: schedule a step, build its flat batch, run the model, sample one
 * token for every sequence whose step reached its last token, stop on EOS or length. The KV pool
 * is made on the first call and kept, so with prefix caching a later call (the next turn of a
 * chat) starts from the blocks an earlier one left cached.
 */
public final class Generator {
    private final CausalLm model;
    private final EngineOptions options;
    private final int eosId;
    private KvCacheManager kv;
    private long numPreemptions;
    private PrefixCacheStats prefixCacheStats = PrefixCacheStats.NONE;

    public Generator(CausalLm model, EngineOptions options, int eosId) {
        this.model = model;
        this.options = options;
        this.eosId = eosId;
    }

    /** Checks every request against the vocabulary, the context length and the KV pool. */
    private void validate(List<GenerationRequest> requests, int numBlocks) {
        for (GenerationRequest r : requests) {
            for (int id : r.promptIds()) {
                if (id < 0 || id >= model.vocabSize()) {
                    throw new EngineException("token id " + id + " is outside the vocabulary [0, " + model.vocabSize()
                            + ") (--input-ids)");
                }
            }
            int total = r.promptIds().length + r.maxNewTokens();
            if (options.maxModelLen() > 0 && total > options.maxModelLen()) {
                throw new EngineException("prompt (" + r.promptIds().length + " tokens) + --max-output-length ("
                        + r.maxNewTokens() + ") exceeds max_position_embeddings " + options.maxModelLen());
            }
            int need = BlockTable.blocksFor(total, options.blockSize());
            if (need > numBlocks) {
                throw new EngineException("KV cache too small: a request needs " + need + " blocks of "
                        + options.blockSize() + " positions but --num-blocks is " + numBlocks);
            }
        }
    }

    /** Blocks to allocate: --num-blocks, or enough for every request at once. */
    private int poolSize(List<GenerationRequest> requests) {
        if (options.numBlocks() > 0) return options.numBlocks();
        int n = 0;
        for (GenerationRequest r : requests) {
            n += BlockTable.blocksFor(r.promptIds().length + r.maxNewTokens(), options.blockSize());
        }
        return n;
    }

    public List<GenerationResult> generate(List<GenerationRequest> requests, TokenListener listener) {
        if (kv == null) {
            int numBlocks = poolSize(requests);
            validate(requests, numBlocks);
            kv = new KvCacheManager(new BlockPool(numBlocks), options.cachePolicy(model.slidingWindow()));
            model.allocateKvCache(numBlocks, options.blockSize());
        } else {
            validate(requests, kv.pool().numBlocks());
        }
        Scheduler scheduler = new Scheduler(kv, options.maxNumSeqs(), options.maxNumBatchedTokens());
        List<Sequence> seqs = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            Sequence s = new Sequence(i, requests.get(i), options.blockSize());
            seqs.add(s);
            scheduler.add(s);
        }
        try {
            while (scheduler.hasWork()) step(scheduler, listener);
        } catch (RuntimeException e) {
            scheduler.abortAll(); // the pool stays usable for the next call
            throw e;
        } finally {
            numPreemptions += scheduler.numPreemptions();
            prefixCacheStats = prefixCacheStats.plus(scheduler.prefixCacheStats());
        }
        List<GenerationResult> results = new ArrayList<>();
        for (Sequence s : seqs) results.add(s.result());
        return results;
    }

    private void step(Scheduler scheduler, TokenListener listener) {
        SchedulerOutput out = scheduler.schedule()
                .orElseThrow(() -> new IllegalStateException("scheduler stalled with work left"));
        float[][] logits = model.forward(batchOf(out));
        int row = 0;
        for (ScheduledSeq ss : out.scheduled()) {
            Sequence s = ss.seq();
            if (!completes(ss)) continue; // a prefill chunk short of the prompt's end: nothing to sample
            int i = row++;
            int step = s.numOutput();
            int token = Sampler.sample(logits[i], s.request.sampling(), s.rng);
            listener.onToken(s.requestIdx, step, token, logits[i]);
            s.append(token);
            if (token == eosId && !s.request.ignoreEos()) {
                s.finishReason = FinishReason.EOS;
            } else if (s.numOutput() >= s.request.maxNewTokens()) {
                s.finishReason = FinishReason.LENGTH;
            }
        }
        scheduler.update(out);
    }

    /** Prompt tokens looked up in the prefix cache and found there, over every {@link #generate} call. */
    public PrefixCacheStats prefixCacheStats() {
        return prefixCacheStats;
    }

    /**
     * Running sequences preempted so far, over every {@link #generate} call: each gave its KV blocks
     * back when the pool ran dry and was recomputed later (vLLM's num_preemptions_total).
     */
    public long numPreemptions() {
        return numPreemptions;
    }

    /** Whether the step reaches the sequence's last token, so a new token is sampled after it. */
    static boolean completes(ScheduledSeq ss) {
        return ss.start() + ss.numTokens() == ss.seq().numTokens();
    }

    /** The flat batch of one step; logits are taken at the last token of each sequence the step completes. */
    static ForwardBatch batchOf(SchedulerOutput out) {
        int n = out.numTokens();
        int[] ids = new int[n], pos = new int[n], seqIdx = new int[n], slots = new int[n];
        int[][] tables = new int[out.scheduled().size()][];
        int[] logitsIdx = new int[(int) out.scheduled().stream().filter(Generator::completes).count()];
        int numLogits = 0;
        int t = 0;
        for (int si = 0; si < out.scheduled().size(); si++) {
            ScheduledSeq ss = out.scheduled().get(si);
            Sequence s = ss.seq();
            tables[si] = s.blockTable.blocks();
            for (int p = ss.start(); p < ss.start() + ss.numTokens(); p++, t++) {
                ids[t] = s.token(p);
                pos[t] = p;
                seqIdx[t] = si;
                slots[t] = BlockTable.slot(tables[si], s.blockTable.blockSize(), p);
            }
            if (completes(ss)) logitsIdx[numLogits++] = t - 1;
        }
        return new ForwardBatch(ids, pos, seqIdx, slots, tables, logitsIdx);
    }
}
