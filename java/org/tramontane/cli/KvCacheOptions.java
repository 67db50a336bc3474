package org.tramontane.cli;

import java.util.Locale;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.engine.EngineOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What the KV cache stores and how much memory its pool may take: the engine flags of every verb that generates. */
final class KvCacheOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--kv-cache-dtype", paramLabel = "DTYPE", defaultValue = "auto", converter = Spelling.KvCacheDtypes.class,
            completionCandidates = Spelling.KvCacheDtypes.class,
            description = "${COMPLETION-CANDIDATES}: what the KV cache stores (auto: the compute dtype; int8: symmetric,"
                    + " one scale per token and KV head). Default: ${DEFAULT-VALUE}.")
    KvCacheDtype dtype;

    @Option(names = "--kv-cache-memory", paramLabel = "BYTES",
            description = "Memory the KV pool may take (suffix K, M or G, powers of 1024); instead of --num-blocks."
                    + " Default: enough for every request at once, as far as free memory allows.")
    String memory;

    /** {@code options} with these flags applied; with --num-blocks too, a usage error. */
    EngineOptions apply(EngineOptions options) {
        if (memory != null && options.numBlocks() > 0) {
            throw Flags.usage(spec, "--num-blocks and --kv-cache-memory both size the KV pool: give one");
        }
        return options.withKvCache(dtype, memory == null ? 0 : parseBytes(spec, memory));
    }

    /** The dtype for a verb that sizes its pool itself (bench: every case at once); a budget is a usage error. */
    KvCacheDtype dtypeOnly(String verb) {
        if (memory != null) throw Flags.usage(spec, verb + " sizes its KV pool for its cases; --kv-cache-memory is not taken");
        return dtype;
    }

    /** A byte count with an optional K / M / G suffix (powers of 1024); anything else is a usage error. */
    static long parseBytes(CommandSpec spec, String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("B")) t = t.substring(0, t.length() - 1);
        if (t.endsWith("I")) t = t.substring(0, t.length() - 1); // KiB, MiB, GiB
        int shift = t.isEmpty() ? 0 : switch (t.charAt(t.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        try {
            double v = Double.parseDouble(digits);
            if (!(v > 0) || v * (1L << shift) > Long.MAX_VALUE || !digits.matches("[0-9.]+")) throw new NumberFormatException();
            return (long) (v * (1L << shift));
        } catch (NumberFormatException e) {
            throw Flags.usage(spec, "--kv-cache-memory must be a positive byte count such as 512M or 8G (got " + text + ")");
        }
    }
}
