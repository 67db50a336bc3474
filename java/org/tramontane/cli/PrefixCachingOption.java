package org.tramontane.cli;

import java.io.PrintWriter;
import java.util.Locale;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.LlmEngine;
import org.tramontane.kvcache.PrefixCacheStats;
import picocli.CommandLine.Option;

/** {@code --enable-prefix-caching} / {@code --no-enable-prefix-caching}, vLLM's flag; each verb has its default. */
final class PrefixCachingOption {
    @Option(names = "--enable-prefix-caching", negatable = true,
            description = "Keep full KV blocks by the hash of their tokens and reuse them for later prompts that start"
                    + " the same (their prefill is skipped); --no-enable-prefix-caching turns it off."
                    + " Default: on for serve, off for the other verbs.")
    Boolean enabled;

    /** {@code options} with prefix caching as the flag says, else as {@code verbDefault}. */
    EngineOptions apply(EngineOptions options, boolean verbDefault) {
        return options.withPrefixCaching(enabled(verbDefault));
    }

    /** Prefix caching as the flag says, else as {@code verbDefault}. */
    boolean enabled(boolean verbDefault) {
        return enabled == null ? verbDefault : enabled;
    }

    /** Says once, on {@code err}, that the backend turned prefix caching off. */
    static void noteIfOff(LlmEngine engine, PrintWriter err) {
        engine.prefixCachingNotice().ifPresent(n -> {
            err.println("note: " + n);
            err.flush();
        });
    }

    /** The {@code --verbose} line: prompt tokens looked up in the prefix cache and found there. */
    static String statsLine(LlmEngine engine) {
        if (!engine.prefixCaching()) return "prefix cache: off";
        PrefixCacheStats s = engine.prefixCacheStats();
        return String.format(Locale.ROOT, "prefix cache: %d queries, %d hits (tokens; hit rate %.1f%%)", s.queries(), s.hits(),
                s.queries() == 0 ? 0.0 : 100.0 * s.hits() / s.queries());
    }
}
