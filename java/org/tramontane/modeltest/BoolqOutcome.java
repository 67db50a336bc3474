package org.tramontane.modeltest;

/**
 * One scored BoolQ item.
 *
 * @param key      file stem and index within the file, e.g. {@code dev_3}
 * @param inputIds the prompt ids fed (BOS or chat template included)
 * @param top1Id   the greedy token at the last prompt position (MindIE's output_token_ids)
 * @param logpYes  log-softmax of the "yes" token over the whole vocabulary
 */
public record BoolqOutcome(String fileName, String key, String query, int[] inputIds, int top1Id, double logpYes,
        double logpNo, boolean answer) {
    /** MindIE's rule: True iff logp(yes) > logp(no) (a tie answers False). */
    public boolean predicted() {
        return logpYes > logpNo;
    }

    public boolean correct() {
        return predicted() == answer;
    }
}
