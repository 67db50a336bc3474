package org.tramontane.modeltest;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tramontane.config.DType;

/**
 * MindIE's modeltest positional grammar (ascend-api.md section 7), the subset tramontane runs:
 * <pre>
 * pa_fp16|pa_bf16 MODE [CASE_PAIRS] BATCH mixtral [chat|base] WEIGHTS [trust_remote_code] CHIP_NUM
 * </pre>
 * CASE_PAIRS ({@code [[in,out],...]}, no spaces) comes only with {@code performance}. BATCH is
 * {@code N}, {@code N,M} or {@code [N,M]}. Pure: every mistake is a {@link GrammarException}
 * whose message is one line naming the argument at fault.
 */
public final class ModelTestGrammar {
    public static final String USAGE = "pa_fp16|pa_bf16 full_BoolQ|performance [CASE_PAIRS] BATCH mixtral [chat|base]"
            + " WEIGHTS [trust_remote_code] CHIP_NUM";

    private static final Pattern PAIR = Pattern.compile("\\[(\\d+),(\\d+)\\]");
    private static final Pattern PAIRS = Pattern.compile("\\[(\\[\\d+,\\d+\\])(,\\[\\d+,\\d+\\])*\\]");
    private static final Pattern BATCH = Pattern.compile("\\[?(\\d+(,\\d+)*)\\]?");

    private ModelTestGrammar() {}

    public static ModelTestArgs parse(List<String> args) {
        Cursor c = new Cursor(args);
        String modelType = c.next("model type (pa_fp16 or pa_bf16)");
        DType dtype = modelTypeDtype(modelType);
        Mode mode = mode(c.next("MODE (" + Mode.supportedNames() + ")"));
        List<CasePair> pairs = mode == Mode.PERFORMANCE ? casePairs(c.next("CASE_PAIRS, e.g. [[256,64],[128,32]]")) : List.of();
        List<Integer> batches = batchSizes(c.next("BATCH"));
        String model = c.next("MODEL (" + ModelTestArgs.MODEL_NAME + ")");
        if (!model.equals(ModelTestArgs.MODEL_NAME)) {
            throw new GrammarException(isInteger(model)
                    ? "expected MODEL " + ModelTestArgs.MODEL_NAME + " after BATCH, got '" + model
                            + "' (MindIE's shots/ctx_len argument is not supported)"
                    : "model " + model + " is not supported: tramontane runs " + ModelTestArgs.MODEL_NAME);
        }
        PromptFormat format = PromptFormat.BASE;
        if (c.peekIs("chat") || c.peekIs("base")) format = c.next("").equals("chat") ? PromptFormat.CHAT : PromptFormat.BASE;
        if (c.peekIs("lora")) throw new GrammarException("lora adapters are not supported");
        String weights = c.next("WEIGHTS (checkpoint directory)");
        boolean trust = false;
        if (c.peekIs("trust_remote_code")) {
            c.next("");
            trust = true;
        }
        int chipNum = positive(c.next("CHIP_NUM (the world size)"), "CHIP_NUM");
        if (c.hasNext()) {
            throw new GrammarException("unexpected argument '" + c.next("") + "' after CHIP_NUM (MindIE's parallel_params,"
                    + " max_position_embeddings and multi-node forms are not supported); usage: " + USAGE);
        }
        return new ModelTestArgs(modelType, dtype, mode, pairs, batches, format, weights, trust, chipNum);
    }

    static DType modelTypeDtype(String modelType) {
        return switch (modelType) {
            case "pa_fp16" -> DType.F16;
            case "pa_bf16" -> DType.BF16;
            case "basic", "fa" -> throw new GrammarException("model type " + modelType
                    + " is not supported: tramontane runs MindIE's paged-attention types pa_fp16 and pa_bf16");
            default -> throw new GrammarException("unknown model type '" + modelType + "' (expected pa_fp16 or pa_bf16); usage: "
                    + USAGE);
        };
    }

    static Mode mode(String name) {
        return Mode.fromMindie(name).orElseThrow(() -> new GrammarException(Mode.MINDIE_ONLY.contains(name)
                ? "mode " + name + " is not supported yet; supported modes: " + Mode.supportedNames()
                : "unknown mode '" + name + "'; supported modes: " + Mode.supportedNames()));
    }

    /** {@code [[in,out],...]}, no spaces; out >= 2 so that a non-first-token time exists. */
    static List<CasePair> casePairs(String text) {
        if (!PAIRS.matcher(text).matches()) {
            throw new GrammarException("malformed CASE_PAIRS '" + text + "': expected [[in,out],...] without spaces,"
                    + " e.g. [[256,64],[128,32]]");
        }
        List<CasePair> pairs = new ArrayList<>();
        Matcher m = PAIR.matcher(text.substring(1, text.length() - 1));
        while (m.find()) {
            int in = positive(m.group(1), "CASE_PAIRS input length");
            int out = positive(m.group(2), "CASE_PAIRS output length");
            if (out < 2) {
                throw new GrammarException("CASE_PAIRS output length must be >= 2 (got " + m.group() + "): the non-first-token"
                        + " time needs a decode step");
            }
            pairs.add(new CasePair(in, out));
        }
        return pairs;
    }

    /** {@code N}, {@code N,M} or {@code [N,M]}; MindIE's per-case {@code [[..],[..]]} is refused. */
    static List<Integer> batchSizes(String text) {
        if (text.startsWith("[[")) {
            throw new GrammarException("per-case batch sizes '" + text + "' are not supported; give BATCH as N, N,M or [N,M]");
        }
        boolean bracketed = text.startsWith("[") || text.endsWith("]");
        if (!BATCH.matcher(text).matches() || bracketed && !(text.startsWith("[") && text.endsWith("]"))) {
            throw new GrammarException("malformed BATCH '" + text + "': expected N, N,M or [N,M]");
        }
        List<Integer> sizes = new ArrayList<>();
        for (String s : text.replace("[", "").replace("]", "").split(",")) sizes.add(positive(s, "BATCH"));
        return sizes;
    }

    private static int positive(String text, String what) {
        int v;
        try {
            v = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new GrammarException(what + " must be a positive integer (got '" + text + "')");
        }
        if (v < 1) throw new GrammarException(what + " must be a positive integer (got " + v + ")");
        return v;
    }

    private static boolean isInteger(String s) {
        return s.chars().allMatch(Character::isDigit) && !s.isEmpty();
    }

    /** Walks the positionals; a missing one is named in the error. */
    private static final class Cursor {
        final List<String> args;
        int index;

        Cursor(List<String> args) {
            this.args = args;
        }

        boolean hasNext() {
            return index < args.size();
        }

        boolean peekIs(String word) {
            return hasNext() && args.get(index).equals(word);
        }

        String next(String what) {
            if (!hasNext()) throw new GrammarException("missing " + what + "; usage: " + USAGE);
            return args.get(index++);
        }
    }
}
