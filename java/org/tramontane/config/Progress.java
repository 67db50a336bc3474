package org.tramontane.config;

/**
 * Told as long work advances (loading, conversion, quantization, BoolQ, sweeps): the CLI draws a
 * progress bar from it, tests pass {@link #NONE}. The worker names each task and its size, so one
 * implementation serves every kind of work. A call may throw to abort the work (a converter then
 * removes its partial output).
 */
public interface Progress {
    /** A new task of {@code total} units (tensors, ranks, items, cases) begins; any previous one is over. */
    void start(String task, String unit, long total);

    /** {@code units} more of the current task are done. */
    void advance(long units);

    /** What the current task works on now (a tensor name), shown beside the bar. */
    default void detail(String what) {
    }

    /** The current task is over. */
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
