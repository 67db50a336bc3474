package org.tramontane.modeltest;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** MindIE's BoolQ result and debug CSVs. */
public final class BoolqReport {
    static final List<String> RESULT_HEADER = List.of("file_name", "value", "correct", "sum");
    /** MindIE's debug columns, then ours: the two log-probabilities the prediction compared. */
    static final List<String> DEBUG_HEADER = List.of("key", "queries", "input_token_ids", "output_token_ids", "test_result",
            "golden_result", "pass", "logp_yes", "logp_no");

    private BoolqReport() {}

    /** Accuracy over everything. */
    public record Score(int correct, int total) {
        public double accuracy() {
            return total == 0 ? 0 : (double) correct / total;
        }
    }

    public static Score score(List<BoolqOutcome> outcomes) {
        return new Score((int) outcomes.stream().filter(BoolqOutcome::correct).count(), outcomes.size());
    }

    /** First row "total", then one row per dataset file, in file order. */
    public static String resultCsv(List<BoolqDataset> data, List<BoolqOutcome> outcomes) {
        StringBuilder sb = new StringBuilder(Csv.row(RESULT_HEADER));
        sb.append(scoreRow("total", score(outcomes)));
        for (BoolqDataset d : data) {
            sb.append(scoreRow(d.fileName(), score(outcomes.stream().filter(o -> o.fileName().equals(d.fileName())).toList())));
        }
        return sb.toString();
    }

    private static String scoreRow(String name, Score s) {
        return Csv.row(List.of(name, pyFloat(s.accuracy()), Integer.toString(s.correct()), Integer.toString(s.total())));
    }

    public static String debugCsv(List<BoolqOutcome> outcomes) {
        StringBuilder sb = new StringBuilder(Csv.row(DEBUG_HEADER));
        for (BoolqOutcome o : outcomes) {
            List<String> row = new ArrayList<>(List.of(o.key(), o.query(), Csv.list(o.inputIds()), Csv.list(new int[] {o.top1Id()}),
                    Csv.bool(o.predicted()), Csv.bool(o.answer()), Csv.bool(o.correct())));
            row.add(Double.toString(o.logpYes()));
            row.add(Double.toString(o.logpNo()));
            sb.append(Csv.row(row));
        }
        return sb.toString();
    }

    /** A float as Python prints it in positional form (0.5, 0.5833333333333334, 1.0), never 5.0E-4. */
    static String pyFloat(double v) {
        String s = new BigDecimal(Double.toString(v)).toPlainString();
        return s.contains(".") ? s : s + ".0";
    }
}
