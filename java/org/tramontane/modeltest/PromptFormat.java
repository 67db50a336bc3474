package org.tramontane.modeltest;

/** MindIE's {@code chat|base}: how a dataset prompt becomes token ids. */
public enum PromptFormat {
    /** the text encoded with BOS */
    BASE,
    /** the text as the single user turn of the model's chat template, encoded without adding BOS */
    CHAT
}
