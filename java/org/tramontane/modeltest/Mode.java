package org.tramontane.modeltest;

import java.util.List;
import java.util.Optional;

/** The modeltest modes tramontane runs, by their MindIE names. */
public enum Mode {
    FULL_BOOLQ("full_BoolQ"),
    PERFORMANCE("performance");

    public final String mindieName;

    Mode(String mindieName) {
        this.mindieName = mindieName;
    }

    /**
     * MindIE's other modes (ascend-api.md section 7), listed so that typing one of them is answered
     * "not supported" rather than "unknown": the user is not mistaken, tramontane just lacks it.
     */
    static final List<String> MINDIE_ONLY = List.of("performance_maxbs", "performance_single", "precision_single",
            "simplified_GSM8K", "simplified_TruthfulQA", "full_CEval", "full_GPQA", "full_AIME2024", "full_GSM8K",
            "full_MMLU", "full_TruthfulQA", "full_HumanEval", "full_HumanEval_X", "full_LongBench", "full_LongBench-E",
            "full_CMMLU", "full_NeedleBench", "edge_BoolQ", "edge_GSM8K");

    static Optional<Mode> fromMindie(String name) {
        for (Mode m : values()) {
            if (m.mindieName.equals(name)) return Optional.of(m);
        }
        return Optional.empty();
    }

    static String supportedNames() {
        return FULL_BOOLQ.mindieName + ", " + PERFORMANCE.mindieName;
    }
}
