package org.tramontane.backend.cpu;

import java.util.Locale;
import java.util.Optional;

/**
 * How the decode kernels (1-3 activation rows) stream a panel weight: the prefetch instruction
 * and its distance (bytes per thread, split among the streams), how many panels a thread reads
 * side by side, and how the output rows are split between the pool's threads. The Java side of
 * native tn_stream_choice; every choice gives the same bits.
 */
record StreamChoice(Prefetch prefetch, int prefetchBytes, int streams, int blockRows, Split split) {

    /** The prefetch instruction (TN_PREFETCH_*, in this order): none, non-temporal, into L2 (T1), into L1 (T0). */
    enum Prefetch {
        NONE, NTA, T1, T0;

        int code() {
            return ordinal();
        }

        String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** TN_SPLIT_* (in this order): items handed out one at a time, or one contiguous share of them per thread. */
    enum Split {
        ITEMS, SHARES;

        int code() {
            return ordinal();
        }

        String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The constant of {@code values} whose lower-case name is {@code name}, or empty. */
    static <E extends Enum<E>> Optional<E> named(E[] values, String name) {
        for (E e : values) {
            if (e.name().toLowerCase(Locale.ROOT).equals(name)) return Optional.of(e);
        }
        return Optional.empty();
    }

    /** What the kernels do for a shape without a choice (native kDefaultStream). */
    static final StreamChoice BUILT_IN = new StreamChoice(Prefetch.NTA, 2048, 2, 32, Split.ITEMS);

    StreamChoice {
        if (prefetchBytes < 0 || prefetchBytes > 65536) throw new IllegalArgumentException("prefetch distance " + prefetchBytes);
        if (streams != 1 && streams != 2) throw new IllegalArgumentException("streams " + streams);
        if (blockRows < 32 || blockRows > 1024 || blockRows % 32 != 0) throw new IllegalArgumentException("block rows " + blockRows);
    }

    StreamChoice withPrefetch(Prefetch p, int bytes) {
        return new StreamChoice(p, p == Prefetch.NONE ? 0 : bytes, streams, blockRows, split);
    }

    StreamChoice withStreams(int s) {
        return new StreamChoice(prefetch, prefetchBytes, s, blockRows, split);
    }

    StreamChoice withSplit(int rows, Split sp) {
        return new StreamChoice(prefetch, prefetchBytes, streams, rows, sp);
    }

    /** "t0 1024 B, 2 streams, 32-row items" (or "..., 32-row items in one share per thread"). */
    String describe() {
        String fetch = prefetch == Prefetch.NONE ? "no prefetch" : String.format(Locale.ROOT, "%s %d B", prefetch.cliName(),
                prefetchBytes);
        return fetch + ", " + streams + (streams == 1 ? " stream, " : " streams, ") + blockRows + "-row items"
                + (split == Split.SHARES ? " in one share per thread" : "");
    }

    CpuNative.StreamChoiceStruct into(CpuNative.StreamChoiceStruct s) {
        return s.prefetch(prefetch.code()).prefetch_bytes(prefetchBytes).streams(streams).block_rows(blockRows).split(split.code());
    }
}
