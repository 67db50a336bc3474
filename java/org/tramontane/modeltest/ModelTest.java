package org.tramontane.modeltest;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.config.Progress;
import org.tramontane.convert.StagedOutputs;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LlmEngine;

/** The two modes end to end: run on an open engine, write MindIE's files, print one summary line per run. */
public final class ModelTest {
    private ModelTest() {}

    /**
     * One engine serves every batch size: its KV pool and batch limit are sized for the largest;
     * the cache stores {@code kvCacheDtype} ({@code --kv-cache-dtype}).
     */
    public static EngineOptions engineOptions(ModelTestArgs args, KvCacheDtype kvCacheDtype, int maxNumBatchedTokens) {
        int bs = EngineOptions.DEFAULT_BLOCK_SIZE;
        int maxBatch = Collections.max(args.batchSizes());
        int blocks = switch (args.mode()) {
            case FULL_BOOLQ -> BoolqEval.kvBlocks(maxBatch, bs);
            case PERFORMANCE -> PerformanceSweep.kvBlocks(args.casePairs(), args.batchSizes(), bs);
        };
        return new EngineOptions(bs, blocks, maxBatch, 0, maxNumBatchedTokens).withKvCache(kvCacheDtype, 0);
    }

    public static void boolq(LlmEngine engine, ModelTestArgs args, List<BoolqDataset> data, OutputLayout layout,
            Progress progress, PrintWriter out) {
        BoolqEval eval = new BoolqEval(engine, args.promptFormat());
        int items = data.stream().mapToInt(d -> d.items().size()).sum();
        for (int batch : args.batchSizes()) {
            progress.start("BoolQ batch " + batch, "items", items);
            List<BoolqOutcome> outcomes = eval.run(data, batch, progress);
            progress.finish();
            // both files or neither: the debug file first, so a result never lacks its debug file
            try (StagedOutputs staged = StagedOutputs.open()) {
                Csv.stage(staged, layout.boolqDebug(batch), BoolqReport.debugCsv(outcomes));
                Csv.stage(staged, layout.boolqResult(batch), BoolqReport.resultCsv(data, outcomes));
                Csv.commit(staged, layout.boolqResult(batch));
            }
            BoolqReport.Score s = BoolqReport.score(outcomes);
            out.printf(Locale.ROOT, "BoolQ batch %d: accuracy %s (%d/%d), results in %s%n", batch,
                    BoolqReport.pyFloat(s.accuracy()), s.correct(), s.total(), layout.boolqResult(batch));
        }
        out.flush();
    }

    public static void performance(LlmEngine engine, ModelTestArgs args, OutputLayout layout, Progress progress,
            PrintWriter out) {
        int maxPos = engine.config().maxPositionEmbeddings();
        for (CasePair p : args.casePairs()) {
            if (p.inputLen() + p.outputLen() > maxPos) {
                throw new ModelTestException("case pair " + p + " needs " + (p.inputLen() + p.outputLen())
                        + " positions, more than the model's max_position_embeddings " + maxPos + " (CASE_PAIRS)");
            }
        }
        PerformanceSweep sweep = new PerformanceSweep(engine);
        List<PerfCase> all = new ArrayList<>();
        progress.start("performance", "cases", (long) args.batchSizes().size() * args.casePairs().size());
        for (int batch : args.batchSizes()) {
            List<PerfCase> cases = sweep.run(batch, args.casePairs(), progress);
            try (StagedOutputs staged = StagedOutputs.open()) {
                Csv.stage(staged, layout.performanceResult(batch), PerfReport.resultCsv(cases));
                Csv.stage(staged, layout.performanceFormatted(batch), PerfReport.formattedCsv(cases));
                Csv.commit(staged, layout.performanceResult(batch));
            }
            for (PerfCase c : cases) {
                out.printf(Locale.ROOT, "batch %d %s: first token %.1f ms, non-first token %.2f ms (p50 %.2f, p90 %.2f),"
                        + " E2E %.3f s, %.2f tokens/s%n", batch, c.pair(), c.firstTokenMs(), c.nonFirstTokenMs(),
                        c.decodePercentileMs(50), c.decodePercentileMs(90), c.e2eMs() / 1000, c.e2eThroughput());
            }
            all.addAll(cases);
        }
        progress.finish();
        try (StagedOutputs staged = StagedOutputs.open()) {
            Csv.stage(staged, layout.benchmark(), PerfReport.benchmarkCsv(all));
            LatencyChart.write(staged, layout.latencyChart(), all, ModelTestArgs.MODEL_NAME + " " + layout.dtypeLabel() + " "
                    + layout.device() + " tp" + layout.worldSize());
            Csv.commit(staged, layout.benchmark());
        }
        out.println("results in " + layout.performanceResult(args.batchSizes().get(0)).getParent() + ", " + layout.benchmark());
        out.flush();
    }
}
