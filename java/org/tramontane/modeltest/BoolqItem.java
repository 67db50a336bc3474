package org.tramontane.modeltest;

/** One BoolQ line: {@code {"question", "title", "answer", "passage"}}. */
public record BoolqItem(String title, String passage, String question, boolean answer) {
    /** MindIE's prompt, word for word (base/model_test.py build_prompt). */
    public String prompt() {
        return title + " -- " + passage + "\nQuestion: " + question + "?\nAnswer:";
    }
}
