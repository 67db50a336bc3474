package org.tramontane.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds fixed strings (added/special tokens such as {@code <s>}, or SentencePiece user-defined
 * pieces) in text, leftmost first and longest among those starting at the same place, as HF's
 * added-token splitter does. Candidates are bucketed by first character so a scan is one map
 * lookup per character.
 */
final class LiteralMatcher {

    /** A literal found at {@code [start, end)} of the text, standing for token {@code id}. */
    record Match(int start, int end, int id) {
    }

    record Literal(String content, int id) {
    }

    private final Map<Character, List<Literal>> byFirstChar = new HashMap<>();

    LiteralMatcher(List<Literal> literals) {
        for (Literal literal : literals) {
            if (literal.content().isEmpty()) {
                throw new IllegalArgumentException("empty literal token " + literal.id());
            }
            byFirstChar.computeIfAbsent(literal.content().charAt(0), c -> new ArrayList<>()).add(literal);
        }
        Comparator<Literal> longestFirst = Comparator.comparingInt((Literal l) -> l.content().length()).reversed();
        byFirstChar.values().forEach(list -> list.sort(longestFirst));
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    /** The first match starting at or after {@code from}, or null. */
    Match find(String text, int from) {
        if (byFirstChar.isEmpty()) {
            return null;
        }
        for (int i = from; i < text.length(); i++) {
            Match match = matchAt(text, i);
            if (match != null) {
                return match;
            }
        }
        return null;
    }

    /** The longest literal starting exactly at {@code start}, or null. */
    Match matchAt(String text, int start) {
        List<Literal> candidates = byFirstChar.get(text.charAt(start));
        if (candidates == null) {
            return null;
        }
        for (Literal literal : candidates) {
            if (text.startsWith(literal.content(), start)) {
                return new Match(start, start + literal.content().length(), literal.id());
            }
        }
        return null;
    }
}
