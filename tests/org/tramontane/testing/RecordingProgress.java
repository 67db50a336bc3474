package org.tramontane.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.tramontane.config.Progress;

/** A {@link Progress} that keeps what it is told, and hands each step to a check that may throw to abort. */
public final class RecordingProgress implements Progress {
    /** The state after one {@link #advance}: units done of the task's total, and the last detail. */
    public record Step(long done, long total, String detail) {}

    private final Consumer<Step> onStep;
    private final List<String> tasks = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private int finished;
    private long total;
    private long done;
    private String detail;

    public RecordingProgress() {
        this(s -> { });
    }

    public RecordingProgress(Consumer<Step> onStep) {
        this.onStep = onStep;
    }

    @Override
    public void start(String task, String unit, long total) {
        tasks.add(task + " " + unit + " " + total);
        this.total = total;
        this.done = 0;
        this.detail = null;
    }

    @Override
    public void detail(String what) {
        detail = what;
    }

    @Override
    public void advance(long units) {
        done += units;
        Step s = new Step(done, total, detail);
        steps.add(s);
        onStep.accept(s);
    }

    @Override
    public void finish() {
        finished++;
    }

    /** "task unit total" per {@link #start}, in order. */
    public List<String> tasks() {
        return tasks;
    }

    public List<Step> steps() {
        return steps;
    }

    public List<String> details() {
        return steps.stream().map(Step::detail).toList();
    }

    public int finished() {
        return finished;
    }
}
