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
    /**
     * jline's JNI terminal provider (the bar asks it the terminal's width) extracts a
     * jlinenative-*.so and its .lck into the temp directory on every run and leaves them there; with
     * it off, jline reads the width through stty (its exec provider) and extracts nothing.
     */
    static final String JLINE_JNI_PROPERTY = "org.jline.terminal.jni";

    static {
        if (System.getProperty(JLINE_JNI_PROPERTY) == null) System.setProperty(JLINE_JNI_PROPERTY, "false");
    }

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
