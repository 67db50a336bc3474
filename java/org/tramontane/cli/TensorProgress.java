package org.tramontane.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr for tensor-by-tensor work (quantize, convert); stdout stays for results. */
final class TensorProgress implements AutoCloseable {
    private final String task;
    private ProgressBar bar;

    TensorProgress(String task) {
        this.task = task;
    }

    /** Moves the bar to {@code done} of {@code total}, creating it on the first call. */
    void update(int done, int total, String name) {
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" tensors", 1).setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }
        bar.stepTo(done);
        bar.setExtraMessage(name);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
