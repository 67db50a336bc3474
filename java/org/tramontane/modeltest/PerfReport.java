package org.tramontane.modeltest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/** MindIE's performance result CSVs (one per batch size) and benchmark.csv (every case of the run). */
public final class PerfReport {
    /** base/model_test.py's result columns; only the last row fills the two averages. */
    static final List<String> RESULT_HEADER = List.of("Model", "Batchsize", "In_seq", "Out_seq", "Total time(s)",
            "Prefill all time(ms)", "Prefill average time(ms)", "Non-first token time(ms)",
            "Non-first token Throughput(Tokens/s)", "Throughput(Tokens/s)", "Non-first token Throughput Average(Tokens/s)",
            "E2E Throughput Average(Tokens/s)");
    /** The formatted file's header says "E2E Throughput" where the CSV says "Throughput", as in MindIE. */
    static final List<String> FORMATTED_HEADER = List.of("Model", "Batchsize", "In_seq", "Out_seq", "Total time(s)",
            "Prefill all time(ms)", "Prefill average time(ms)", "Non-first token time(ms)",
            "Non-first token Throughput(Tokens/s)", "E2E Throughput(Tokens/s)", "Non-first token Throughput Average(Tokens/s)",
            "E2E Throughput Average(Tokens/s)");
    static final int[] FORMATTED_WIDTHS = {15, 15, 15, 15, 15, 25, 25, 25, 36, 25, 45, 35};
    /**
     * MindIE's benchmark.csv (atb_llm generate.py), whose columns 4, 5 and 9 modeltest reads, then
     * ours: decode-step percentiles and peak memory.
     */
    static final List<String> BENCHMARK_HEADER = List.of("batch_size", "input_seq_len", "output_seq_len", "e2e_time(ms)",
            "prefill_time(ms)", "decoder_token_time(ms)", "prefill_count", "prefill_token_times", "decode_token_times",
            "prefill_average_time(ms)", "decode_token_time_p50(ms)", "decode_token_time_p90(ms)", "peak_rss(MiB)");

    private PerfReport() {}

    public static String resultCsv(List<PerfCase> cases) {
        StringBuilder sb = new StringBuilder(Csv.row(RESULT_HEADER));
        for (List<String> row : rows(cases)) {
            while (row.size() < RESULT_HEADER.size()) row.add("");
            sb.append(Csv.row(row));
        }
        return sb.toString();
    }

    public static String formattedCsv(List<PerfCase> cases) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < FORMATTED_HEADER.size(); i++) {
            if (i > 0) sb.append('|');
            sb.append(pad(FORMATTED_HEADER.get(i), FORMATTED_WIDTHS[i]));
        }
        sb.append('\n');
        for (List<String> row : rows(cases)) {
            for (int i = 0; i < row.size(); i++) {
                if (i > 0) sb.append('|');
                sb.append(pad(row.get(i), FORMATTED_WIDTHS[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Ten values per case; the last row adds the averages over the batch size's cases. */
    private static List<List<String>> rows(List<PerfCase> cases) {
        List<List<String>> rows = new ArrayList<>();
        double nonFirstSum = 0;
        double e2eSum = 0;
        for (PerfCase c : cases) {
            rows.add(new ArrayList<>(List.of(ModelTestArgs.MODEL_NAME, Integer.toString(c.batchSize()),
                    Integer.toString(c.pair().inputLen()), Integer.toString(c.pair().outputLen()), round10(c.e2eMs() / 1000),
                    round10(c.firstTokenMs()), round10(c.prefillAverageMs()), round10(c.nonFirstTokenMs()),
                    round10(c.nonFirstTokenThroughput()), round10(c.e2eThroughput()))));
            nonFirstSum += c.nonFirstTokenThroughput();
            e2eSum += c.e2eThroughput();
        }
        if (!rows.isEmpty()) {
            rows.get(rows.size() - 1).add(round10(nonFirstSum / cases.size()));
            rows.get(rows.size() - 1).add(round10(e2eSum / cases.size()));
        }
        return rows;
    }

    public static String benchmarkCsv(List<PerfCase> cases) {
        StringBuilder sb = new StringBuilder(Csv.row(BENCHMARK_HEADER));
        for (PerfCase c : cases) {
            double decodeSum = 0;
            for (double d : c.decodeStepMs()) decodeSum += d;
            sb.append(Csv.row(List.of(Integer.toString(c.batchSize()), Integer.toString(c.pair().inputLen()),
                    Integer.toString(c.pair().outputLen()), ms(c.e2eMs()), ms(c.firstTokenMs()),
                    ms(decodeSum / c.decodeStepMs().length), "1", "[" + ms(c.firstTokenMs()) + "]", msList(c.decodeStepMs()),
                    ms(c.prefillAverageMs()), ms(c.decodePercentileMs(50)), ms(c.decodePercentileMs(90)),
                    c.peakRssBytes() < 0 ? "" : ms(c.peakRssBytes() / (1024.0 * 1024.0)))));
        }
        return sb.toString();
    }

    /** MindIE's {@code str(round(x, 10))}. */
    static String round10(double v) {
        if (!Double.isFinite(v)) return Double.isNaN(v) ? "nan" : (v > 0 ? "inf" : "-inf");
        return BoolqReport.pyFloat(new BigDecimal(v).setScale(10, RoundingMode.HALF_EVEN).doubleValue());
    }

    private static String ms(double v) {
        return BoolqReport.pyFloat(new BigDecimal(v).setScale(4, RoundingMode.HALF_EVEN).doubleValue());
    }

    private static String msList(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(ms(v[i]));
        }
        return sb.append(']').toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
