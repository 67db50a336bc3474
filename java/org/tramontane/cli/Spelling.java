package org.tramontane.cli;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.config.QuantScheme;
import org.tramontane.config.UserException;
import org.tramontane.engine.ModelSource;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A flag whose value is one of a few names, spelt as the README spells them. The same class is the
 * option's converter and its completion candidates, so a description can list the spellings with
 * {@code ${COMPLETION-CANDIDATES}}; any other value is a usage error naming the flag (picocli adds
 * the flag's name to the message).
 */
abstract class Spelling<E> implements ITypeConverter<E>, Iterable<String> {
    private final List<String> listed;
    private final Function<String, Optional<E>> lookup;

    Spelling(List<String> listed, Function<String, Optional<E>> lookup) {
        this.listed = List.copyOf(listed);
        this.lookup = lookup;
    }

    /** Each constant of {@code values} spelt as {@code name} gives it (in any case). */
    Spelling(E[] values, Function<E, String> name) {
        this(Arrays.stream(values).map(name).toList(), v -> Arrays.stream(values)
                .filter(e -> name.apply(e).equals(v.toLowerCase(Locale.ROOT))).findFirst());
    }

    @Override
    public E convert(String value) {
        return lookup.apply(value).orElseThrow(() -> new TypeConversionException(
                "'" + value + "' is not one of " + String.join(", ", listed)));
    }

    @Override
    public Iterator<String> iterator() {
        return listed.iterator();
    }

    /** A lower package's parser that refuses a name with a {@link UserException}, as an Optional. */
    private static <E> Optional<E> parsed(Supplier<E> parse) {
        try {
            return Optional.of(parse.get());
        } catch (UserException e) {
            return Optional.empty();
        }
    }

    /** {@code --dtype}: fp32, bf16 or fp16 (float32, bfloat16 and float16 are accepted too). */
    static final class DTypes extends Spelling<DType> {
        DTypes() {
            super(Arrays.stream(DType.values()).filter(DType::isFloat).map(d -> d.cliName).toList(),
                    v -> parsed(() -> DType.fromCli(v)));
        }
    }

    /** {@code --backend}: cpu, ascend or ascend-sim. */
    static final class Backends extends Spelling<BackendKind> {
        Backends() {
            super(Arrays.stream(BackendKind.values()).map(k -> k.cliName).toList(),
                    v -> parsed(() -> BackendKind.fromCli(v)));
        }
    }

    /** {@code --quantize} / {@code quantize --type}: the schemes' config.json names. */
    static final class QuantSchemes extends Spelling<QuantScheme> {
        QuantSchemes() {
            super(Arrays.stream(QuantScheme.values()).map(q -> q.configName).toList(), QuantScheme::fromConfigName);
        }
    }

    /** {@code --kv-cache-dtype}: auto, bf16, fp16 or int8. */
    static final class KvCacheDtypes extends Spelling<KvCacheDtype> {
        KvCacheDtypes() {
            super(KvCacheDtype.values(), d -> d.cliName);
        }
    }

    /** {@code --load-format}: auto or dummy, vLLM's names. */
    static final class LoadFormats extends Spelling<ModelSource.LoadFormat> {
        LoadFormats() {
            super(ModelSource.LoadFormat.values(), f -> f.name().toLowerCase(Locale.ROOT));
        }
    }

    /** {@code --output-format}: text or json. */
    static final class OutputFormats extends Spelling<OutputFormat> {
        OutputFormats() {
            super(OutputFormat.values(), f -> f.cliName);
        }
    }
}
