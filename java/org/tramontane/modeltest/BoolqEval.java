package org.tramontane.modeltest;

import java.util.ArrayList;
import java.util.List;
import org.tramontane.config.Progress;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.SamplingParams;
import org.tramontane.kvcache.BlockTable;
import org.tramontane.engine.Prompt;

/**
 * BoolQ scored as MindIE's modeltest does (base/model_test.py): one prefill per item, log-softmax of
 * the last-position logits, "yes" against "no". The items of a batch run as one generate() call with
 * one new token each, i.e. one prefill step for the whole batch.
 */
public final class BoolqEval {
    /** MindIE takes the choice tokens as the last id of these, encoded without special tokens. */
    static final String SAMPLE_YES = "How can we learning machine learning: yes";
    static final String SAMPLE_NO = "How can we learning machine learning: no";
    /** MindIE's full-dataset runner is built with max_input_length 3072; the KV cache is sized for it. */
    public static final int MAX_INPUT_LENGTH = 3072;

    private final LlmEngine engine;
    private final PromptFormat format;
    private final int yesId;
    private final int noId;

    public BoolqEval(LlmEngine engine, PromptFormat format) {
        this.engine = engine;
        this.format = format;
        this.yesId = lastId(SAMPLE_YES);
        this.noId = lastId(SAMPLE_NO);
    }

    /** KV blocks for {@code maxBatch} prompts of up to {@link #MAX_INPUT_LENGTH} tokens plus the one new token. */
    public static int kvBlocks(int maxBatch, int blockSize) {
        return maxBatch * BlockTable.blocksFor(MAX_INPUT_LENGTH + 1, blockSize);
    }

    private int lastId(String sample) {
        int[] ids = engine.tokenizer().encode(sample, false);
        return ids[ids.length - 1];
    }

    public int yesId() {
        return yesId;
    }

    public int noId() {
        return noId;
    }

    /** The prompt ids: with BOS (base), or the chat template's single user turn, whose text starts with BOS. */
    public int[] encode(BoolqItem item) {
        int[] ids = engine.encode(format == PromptFormat.CHAT ? Prompt.userTurn(item.prompt()) : Prompt.text(item.prompt()));
        if (ids.length > MAX_INPUT_LENGTH) {
            throw new ModelTestException("a BoolQ prompt has " + ids.length + " tokens, more than MindIE's max_input_length "
                    + MAX_INPUT_LENGTH + " (title: " + item.title() + ")");
        }
        return ids;
    }

    /** Scores every item of every file in batches of {@code batchSize} (a batch never spans two files, as in MindIE). */
    public List<BoolqOutcome> run(List<BoolqDataset> data, int batchSize, Progress progress) {
        List<BoolqOutcome> out = new ArrayList<>();
        for (BoolqDataset file : data) {
            String stem = file.fileName().replaceFirst("\\.jsonl$", "");
            for (int start = 0; start < file.items().size(); start += batchSize) {
                List<BoolqItem> batch = file.items().subList(start, Math.min(start + batchSize, file.items().size()));
                List<GenerationRequest> requests = new ArrayList<>();
                for (BoolqItem item : batch) {
                    requests.add(new GenerationRequest(encode(item), 1, false, SamplingParams.greedy()));
                }
                double[] logpYes = new double[batch.size()];
                double[] logpNo = new double[batch.size()];
                int[] top1 = new int[batch.size()];
                engine.generate(requests, (r, step, token, logits) -> {
                    double lse = logSumExp(logits);
                    logpYes[r] = logits[yesId] - lse;
                    logpNo[r] = logits[noId] - lse;
                    top1[r] = token;
                });
                for (int i = 0; i < batch.size(); i++) {
                    BoolqItem item = batch.get(i);
                    out.add(new BoolqOutcome(file.fileName(), stem + "_" + (start + i), item.prompt(),
                            requests.get(i).promptIds(), top1[i], logpYes[i], logpNo[i], item.answer()));
                }
                progress.advance(batch.size());
            }
        }
        return out;
    }

    /** log(sum(exp(x))) over the whole vocabulary, in double so the 32000-term sum loses nothing. */
    static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        for (float v : logits) sum += Math.exp(v - max);
        return max + Math.log(sum);
    }
}
