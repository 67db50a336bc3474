package org.tramontane.backend.cpu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tramontane.config.DType;

/**
 * Chooses a shape's stream variant from timings (a pure function of what the timer answers): the
 * prefetch instruction and distance first, with two streams and 32-row items, then one stream or
 * two, then the split of rows between threads. Each stage keeps its incumbent unless a candidate is
 * at least {@link #MIN_GAIN} faster, so noise alone does not move a choice away from the built-in
 * one.
 */
final class StreamTuner {
    /** A candidate must be this much faster (as a fraction of the incumbent's time) to replace it (decisions.md: stream-tuner). */
    static final double MIN_GAIN = 0.03;
    /** Prefetch distances tried per instruction (bytes per thread). */
    static final int[] DISTANCES = {512, 1024, 2048, 4096};

    /** Nanoseconds per call of a candidate over one round of calls. */
    interface Timer {
        double nsPerCall(StreamChoice c);
    }

    record Timing(StreamChoice choice, double nsPerCall) {}

    /** The choice, its time and the built-in choice's time. */
    record Result(StreamChoice choice, double nsPerCall, double builtInNsPerCall) {
        double speedup() {
            return builtInNsPerCall / nsPerCall;
        }
    }

    private StreamTuner() {}

    /** The fastest of {@code timings}, or {@code incumbent} (which must be among them) unless one beats it by MIN_GAIN. */
    static StreamChoice fastest(List<Timing> timings, StreamChoice incumbent) {
        double base = timings.stream().filter(t -> t.choice().equals(incumbent)).mapToDouble(Timing::nsPerCall).min()
                .orElseThrow(() -> new IllegalArgumentException("the incumbent " + incumbent + " was not timed"));
        StreamChoice best = incumbent;
        double bestNs = base * (1 - MIN_GAIN);
        for (Timing t : timings) {
            if (t.nsPerCall() < bestNs) {
                best = t.choice();
                bestNs = t.nsPerCall();
            }
        }
        return best;
    }

    static List<StreamChoice> prefetchCandidates(StreamChoice from) {
        List<StreamChoice> out = new ArrayList<>();
        out.add(from);
        out.add(from.withPrefetch(StreamChoice.Prefetch.NONE, 0));
        for (StreamChoice.Prefetch p : new StreamChoice.Prefetch[] {StreamChoice.Prefetch.NTA, StreamChoice.Prefetch.T1,
                StreamChoice.Prefetch.T0}) {
            for (int d : DISTANCES) out.add(from.withPrefetch(p, d));
        }
        return out.stream().distinct().toList();
    }

    static List<StreamChoice> streamCandidates(StreamChoice from) {
        return List.of(from, from.withStreams(from.streams() == 2 ? 1 : 2));
    }

    /**
     * One share per thread, and for float weights 64- and 128-row items too (llama.cpp hands out
     * 64-row chunks at batch 1); int8 weights keep their 32-row items (the int8 kernels' block).
     */
    static List<StreamChoice> splitCandidates(StreamChoice from, DType dtype) {
        List<StreamChoice> out = new ArrayList<>();
        out.add(from);
        out.add(from.withSplit(32, StreamChoice.Split.SHARES));
        if (dtype != DType.I8) {
            out.add(from.withSplit(64, StreamChoice.Split.ITEMS));
            out.add(from.withSplit(128, StreamChoice.Split.ITEMS));
        }
        return out;
    }

    /**
     * The three stages, from the built-in choice. A stage times its candidates (the incumbent and
     * the built-in choice again among them) in {@code rounds} rounds, one call round of each
     * candidate per round, and takes each candidate's best: a burst of load then slows one round of
     * every candidate rather than every round of one. The result's two times are the last stage's,
     * taken under the same conditions.
     */
    static Result tune(DType dtype, Timer timer, int rounds) {
        Stage s = stage(prefetchCandidates(StreamChoice.BUILT_IN), StreamChoice.BUILT_IN, timer, rounds);
        s = stage(streamCandidates(s.choice()), s.choice(), timer, rounds);
        s = stage(splitCandidates(s.choice(), dtype), s.choice(), timer, rounds);
        return new Result(s.choice(), s.times().get(s.choice()), s.times().get(StreamChoice.BUILT_IN));
    }

    /** A stage's choice and every candidate's best round. */
    private record Stage(StreamChoice choice, Map<StreamChoice, Double> times) {}

    private static Stage stage(List<StreamChoice> candidates, StreamChoice incumbent, Timer timer, int rounds) {
        List<StreamChoice> all = new ArrayList<>(candidates);
        if (!all.contains(StreamChoice.BUILT_IN)) all.add(StreamChoice.BUILT_IN);
        Map<StreamChoice, Double> times = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (StreamChoice c : all) times.merge(c, timer.nsPerCall(c), Math::min);
        }
        List<Timing> timings = new ArrayList<>();
        times.forEach((c, ns) -> timings.add(new Timing(c, ns)));
        return new Stage(fastest(timings, incumbent), times);
    }
}
