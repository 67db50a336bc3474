package org.tramontane.tokenizer;

import java.util.List;

/**
 * One step of text normalization before BPE. Mistral/Llama tokenizers need only these:
 * HF's {@code Prepend} and {@code Replace} normalizers, and SentencePiece's
 * {@code add_dummy_prefix}, {@code escape_whitespaces} and {@code remove_extra_whitespaces}
 * expressed as the same steps.
 */
sealed interface NormalizerStep {

    String apply(String text);

    static String applyAll(List<NormalizerStep> steps, String text) {
        String result = text;
        for (NormalizerStep step : steps) {
            result = step.apply(result);
        }
        return result;
    }

    /** Adds {@code prefix} in front of non-empty text (HF skips empty text, as does SentencePiece). */
    record Prepend(String prefix) implements NormalizerStep {
        @Override
        public String apply(String text) {
            return text.isEmpty() ? text : prefix + text;
        }
    }

    /** Replaces every occurrence of a literal string. */
    record Replace(String pattern, String content) implements NormalizerStep {
        @Override
        public String apply(String text) {
            return text.replace(pattern, content);
        }
    }

    /**
     * SentencePiece's remove_extra_whitespaces: drops leading and trailing spaces and squeezes
     * runs of spaces to one. Runs before the dummy prefix is added, as in SentencePiece.
     */
    record CollapseSpaces() implements NormalizerStep {
        @Override
        public String apply(String text) {
            StringBuilder out = new StringBuilder(text.length());
            boolean pendingSpace = false;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == ' ') {
                    pendingSpace = out.length() > 0;
                } else {
                    if (pendingSpace) {
                        out.append(' ');
                        pendingSpace = false;
                    }
                    out.append(c);
                }
            }
            return out.toString();
        }
    }
}
