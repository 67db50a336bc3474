package org.tramontane.cli;

import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.tramontane.config.Progress;

/**
 * Progress of long work (tensors, ranks, BoolQ items, sweep cases) as a bar on stderr with rate and ETA. Drawn only when the
 * JVM has a console: redirected into a log or a test, a redrawn bar is just noise.
 */
final class BarProgress implements Progress, AutoCloseable {
    private final boolean enabled = System.console() != null;
    private ProgressBar bar;

    @Override
    public void start(String task, String unit, long total) {
        finish();
        if (!enabled) return;
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUnit(" " + unit, 1).showSpeed().setSpeedUnit(ChronoUnit.SECONDS)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    @Override
    public void advance(long units) {
        if (bar != null) bar.stepBy(units);
    }

    @Override
    public void detail(String what) {
        if (bar != null) bar.setExtraMessage(what);
    }

    @Override
    public void finish() {
        if (bar != null) bar.close();
        bar = null;
    }

    @Override
    public void close() {
        finish();
    }
}
