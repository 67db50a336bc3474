package org.tramontane.modeltest;

/** Told as long work advances; the CLI draws a progress bar from it, tests pass {@link #NONE}. */
public interface Progress {
    /** A new task of {@code total} units begins (any previous one is over). */
    void start(String task, String unit, long total);

    void advance(long units);

    /** The last task is over. */
    void finish();

    Progress NONE = new Progress() {
        @Override
        public void start(String task, String unit, long total) {
        }

        @Override
        public void advance(long units) {
        }

        @Override
        public void finish() {
        }
    };
}
