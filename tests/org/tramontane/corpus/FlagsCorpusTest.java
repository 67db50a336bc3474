package org.tramontane.corpus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tramontane.testing.Fixtures;

/** Flags out of range, prompts, KV pool sizes and world sizes, through every verb that takes them. */
class FlagsCorpusTest {
    static String tiny() {
        return Fixtures.dir("tiny-mixtral").toString();
    }

    /** generate on the tiny checkpoint with {@code extra} flags. */
    static Case.Setup generate(String... extra) {
        return d -> {
            List<String> a = new ArrayList<>(List.of("generate", "--model", tiny(), "--input-ids", "1,2", "--max-output-length", "2"));
            a.addAll(List.of(extra));
            return a.toArray(String[]::new);
        };
    }

    static Case.Setup verb(String... args) {
        return d -> args;
    }

    static Case flag(String flag, String value) {
        return Case.usage(flag + " " + value, generate(flag, value), flag);
    }

    static Stream<Case> cases() {
        String demo = Corpus.preset("mixtral-demo.json");
        return Stream.of(
                flag("--temperature", "NaN"),
                flag("--temperature", "Infinity"),
                flag("--temperature", "-1"),
                flag("--top-p", "0"),
                flag("--top-p", "1.5"),
                flag("--top-p", "NaN"),
                flag("--top-k", "-1"),
                flag("--max-output-length", "0"),
                flag("--max-output-length", "x"),
                Case.usage("--max-output-length 2147483645", generate("--max-output-length", "2147483645"), "--max-output-length"),
                flag("--block-size", "0"),
                flag("--num-blocks", "-3"),
                flag("--max-batch-size", "0"),
                flag("--max-num-batched-tokens", "0"),
                flag("--world-size", "0"),
                flag("--world-size", "-2"),
                flag("--world-size", "3"),
                flag("--threads", "-1"),
                flag("--threads", "100000"),
                flag("--dtype", "fp64"),
                flag("--backend", "gpu"),
                flag("--load-format", "gguf"),
                flag("--output-format", "xml"),
                flag("--seed", "x"),
                Case.usage("unknown flag", generate("--frobnicate"), "--frobnicate"),
                Case.usage("unknown verb", verb("frobnicate"), "frobnicate"),
                Case.user("--block-size 1073741824 exceeds memory", generate("--block-size", "1073741824"), "KV cache", "memory"),
                Case.user("--num-blocks too few for the prompt", generate("--num-blocks", "1", "--block-size", "1"), "--num-blocks"),
                Case.usage("--input-ids not a number", verb("generate", "--model", tiny(), "--input-ids", "1,x"), "--input-ids"),
                Case.user("--input-ids beyond the vocabulary", verb("generate", "--model", tiny(), "--input-ids", "1,99999"), "99999"),
                Case.user("--input-ids negative", verb("generate", "--model", tiny(), "--input-ids", "1,-4"), "-4"),
                Case.usage("no prompt", verb("generate", "--model", tiny()), "--input"),
                Case.user("prompt longer than the model's context", d -> {
                    Path m = Corpus.model(d);
                    Corpus.write(m.resolve("config.json"), Files.readString(m.resolve("config.json"))
                            .replace("\"max_position_embeddings\": 32768", "\"max_position_embeddings\": 4"));
                    return Corpus.args("generate", "--model", m.toString(), "--input-ids", "1,2,3,4,5", "--max-output-length", "2");
                }, "max_position_embeddings"),
                Case.user("--logits-out a directory", d -> generate("--logits-out", d.toString()).args(d), "--logits-out"),
                Case.user("--logits-out in a missing directory", d -> generate("--logits-out",
                        d.resolve("none/l.npy").toString()).args(d), "--logits-out"),
                Case.user("--logits-out on a full disk", generate("--logits-out", "/dev/full/l.npy"), "--logits-out"),
                Case.usage("info --kv-length -1", verb("info", "--model", tiny(), "--kv-length", "-1"), "--kv-length"),
                Case.usage("chat --max-context 0", verb("chat", "--model", tiny(), "--max-context", "0"), "--max-context"),
                Case.usage("chat --max-context -5", verb("chat", "--model", tiny(), "--max-context", "-5"), "--max-context"),
                Case.usage("run-pa --batch-size 0", verb("run-pa", "--config", demo, "--load-format", "dummy", "--batch-size", "0"),
                        "--batch-size"),
                Case.usage("run-pa --max-output-length 0", verb("run-pa", "--config", demo, "--load-format", "dummy",
                        "--max-output-length", "0"), "--max-output-length"),
                Case.usage("bench --input-len 0", verb("bench", "--config", demo, "--load-format", "dummy", "--input-len", "0"),
                        "--input-len"),
                Case.usage("bench --input-len 512,0", verb("bench", "--config", demo, "--load-format", "dummy", "--input-len",
                        "512,0"), "--input-len"),
                Case.usage("bench --max-model-len -1", verb("bench", "--config", demo, "--load-format", "dummy",
                        "--max-model-len", "-1"), "--max-model-len"),
                Case.user("bench --input-len beyond --max-model-len", verb("bench", "--config", demo, "--load-format", "dummy",
                        "--input-len", "8,64", "--output-len", "2", "--max-model-len", "32"), "--max-model-len"),
                Case.user("bench --input-len beyond max_position_embeddings", verb("bench", "--config", demo, "--load-format",
                        "dummy", "--input-len", "4096", "--output-len", "2"), "--input-len", "max_position_embeddings"),
                Case.usage("modeltest --kv-cache-memory", verb("modeltest", "pa_fp16", "full_BoolQ", "1", "mixtral", tiny(), "1",
                        "--kv-cache-memory", "1G"), "--kv-cache-memory"),
                Case.usage("bench --output-len 0", verb("bench", "--config", demo, "--load-format", "dummy", "--output-len", "0"),
                        "--output-len"),
                Case.usage("bench --repeats 0", verb("bench", "--config", demo, "--load-format", "dummy", "--repeats", "0"),
                        "--repeats"),
                Case.usage("convert --from gguf", verb("convert", "--from", "gguf", "--to", "hf", "--input", "a", "--output", "b"),
                        "--from"),
                Case.usage("serve --max-request-bytes 0", verb("serve", "--model", tiny(), "--max-request-bytes", "0"),
                        "--max-request-bytes"),
                Case.usage("--config without dummy weights", verb("generate", "--config", demo, "--input-ids", "1"), "--config"),
                Case.user("--model missing", verb("generate", "--model", "/nonexistent/m", "--input-ids", "1"), "/nonexistent/m"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Case c) throws Exception {
        Corpus.check(c);
    }
}
