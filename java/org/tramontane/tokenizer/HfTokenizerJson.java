package org.tramontane.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Parser for HF {@code tokenizer.json} holding a SentencePiece-style BPE model (Mistral, Llama 2).
 * It supports exactly what those files use and names anything else as unsupported rather than
 * tokenizing it differently from HF.
 */
final class HfTokenizerJson {
    private static final String SPACE_SYMBOL = "\u2581";

    private HfTokenizerJson() {
    }

    static LoadedModel parse(Path file) {
        JsonNode root = JsonFiles.read(file);
        JsonNode model = JsonFiles.required(root, "model", file, "");
        String modelType = JsonFiles.required(model, "type", file, "model.").asText();
        if (!modelType.equals("BPE")) {
            throw unsupported(file, "model type '" + modelType + "'");
        }
        if (hasValue(model.get("dropout")) && model.get("dropout").asDouble() != 0.0) {
            throw unsupported(file, "BPE dropout");
        }
        if (hasText(model.get("continuing_subword_prefix")) || hasText(model.get("end_of_word_suffix"))) {
            throw unsupported(file, "continuing_subword_prefix / end_of_word_suffix");
        }
        if (hasValue(root.get("pre_tokenizer"))) {
            throw unsupported(file, "pre_tokenizer '" + root.get("pre_tokenizer").path("type").asText() + "'");
        }

        JsonNode vocab = JsonFiles.required(model, "vocab", file, "model.");
        if (!vocab.isObject()) throw new TokenizerException(file + ": model.vocab is not an object of piece: id");
        JsonNode addedTokens = root.path("added_tokens");
        int size = 0;
        for (JsonNode id : vocab) {
            size = Math.max(size, tokenId(id, file, "model.vocab") + 1);
        }
        int numIds = vocab.size();
        for (JsonNode added : addedTokens) {
            int id = tokenId(JsonFiles.required(added, "id", file, "added_tokens[]."), file, "added_tokens[].id");
            size = Math.max(size, id + 1);
            numIds++;
        }
        // HF's BPE keeps its vocabulary in a map, so ids may have gaps: an id without a piece is never
        // produced by encoding and decodes to nothing. The tables here are indexed by id, so a file whose
        // gaps outnumber its pieces (a stray huge id) is refused before allocating for it.
        if (size - numIds > numIds) {
            throw new TokenizerException(file + ": ids reach " + (size - 1) + " but there are only " + numIds
                    + " pieces (more ids without a piece than with one)");
        }
        String[] pieces = new String[size];
        PieceType[] types = new PieceType[size];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            int id = entry.getValue().asInt();
            if (pieces[id] != null) {
                throw new TokenizerException(file + ": model.vocab gives id " + id + " twice ('" + pieces[id] + "' and '"
                        + entry.getKey() + "')");
            }
            pieces[id] = entry.getKey();
            types[id] = Vocabulary.parseBytePiece(entry.getKey()) >= 0 ? PieceType.BYTE : PieceType.NORMAL;
        }
        String unkToken = model.path("unk_token").isTextual() ? model.get("unk_token").asText() : null;
        List<LiteralMatcher.Literal> literals = new ArrayList<>();
        for (JsonNode added : addedTokens) {
            int id = added.get("id").asInt();
            String content = JsonFiles.required(added, "content", file, "added_tokens[].").asText();
            if (content.isEmpty()) throw new TokenizerException(file + ": added token " + id + " has empty content");
            for (String flag : List.of("lstrip", "rstrip", "single_word", "normalized")) {
                // normalized=true would match the token in normalized text (after "▁" replacement).
                if (added.path(flag).asBoolean(false)) {
                    throw unsupported(file, "added token '" + content + "' with " + flag + "=true");
                }
            }
            if (pieces[id] != null && !pieces[id].equals(content)) {
                throw new TokenizerException(file + ": added token " + id + " is '" + content
                        + "' but model.vocab has '" + pieces[id] + "' there");
            }
            pieces[id] = content;
            boolean special = added.path("special").asBoolean(false);
            types[id] = content.equals(unkToken) ? PieceType.UNKNOWN
                    : special ? PieceType.CONTROL : PieceType.USER_DEFINED;
            literals.add(new LiteralMatcher.Literal(content, id));
        }
        Vocabulary vocabulary = Vocabulary.sparse(Arrays.asList(pieces), Arrays.asList(types), file.toString());

        int unkId = unkToken == null ? -1 : vocabulary.idOf(unkToken);
        if (unkToken != null && unkId < 0) {
            throw new TokenizerException(file + ": model.unk_token '" + unkToken + "' is not in the vocabulary");
        }
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        if (byteFallback && !vocabulary.hasAllBytes()) {
            throw new TokenizerException(file + ": byte_fallback is on but some <0xNN> pieces are missing");
        }
        BpeModel.Options options = new BpeModel.Options(byteFallback, model.path("fuse_unk").asBoolean(false),
                model.path("ignore_merges").asBoolean(false));
        BpeModel bpe = new BpeModel(vocabulary, parseMerges(model, vocabulary, file), parseNormalizer(root, file),
                new LiteralMatcher(List.of()), options, unkId);
        return new LoadedModel(vocabulary, bpe, new LiteralMatcher(literals), parseDecoder(root, file),
                OptionalInt.empty(), OptionalInt.empty());
    }

    /**
     * A token id as HF reads it (a u32), below Java's largest int: the vocabulary size, the largest
     * id + 1, must be an int too.
     */
    private static int tokenId(JsonNode id, Path file, String where) {
        if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0 || id.asInt() == Integer.MAX_VALUE) {
            throw new TokenizerException(file + ": " + where + " has the id " + id + ", not an integer in [0, 2^31 - 1)");
        }
        return id.asInt();
    }

    private static PairMergeTable parseMerges(JsonNode model, Vocabulary vocabulary, Path file) {
        JsonNode merges = JsonFiles.required(model, "merges", file, "model.");
        PairMergeTable table = new PairMergeTable(merges.size());
        int rank = 0;
        for (JsonNode merge : merges) {
            String left;
            String right;
            // Older files write a merge as "a b", newer ones as ["a", "b"].
            if (merge.isTextual()) {
                String text = merge.asText();
                int space = text.indexOf(' ');
                if (space < 0 || text.indexOf(' ', space + 1) >= 0) {
                    throw new TokenizerException(file + ": merge " + rank + " '" + text + "' is not two pieces");
                }
                left = text.substring(0, space);
                right = text.substring(space + 1);
            } else if (merge.isArray() && merge.size() == 2) {
                left = merge.get(0).asText();
                right = merge.get(1).asText();
            } else {
                throw new TokenizerException(file + ": merge " + rank + " is neither \"a b\" nor [a, b]");
            }
            int leftId = vocabulary.idOf(left);
            int rightId = vocabulary.idOf(right);
            int mergedId = vocabulary.idOf(left + right);
            if (leftId < 0 || rightId < 0 || mergedId < 0) {
                throw new TokenizerException(file + ": merge " + rank + " ('" + left + "', '" + right
                        + "') uses a piece missing from model.vocab");
            }
            table.put(leftId, rightId, rank, mergedId);
            rank++;
        }
        return table;
    }

    private static List<NormalizerStep> parseNormalizer(JsonNode root, Path file) {
        JsonNode normalizer = root.get("normalizer");
        List<NormalizerStep> steps = new ArrayList<>();
        if (hasValue(normalizer)) {
            addNormalizer(normalizer, steps, file);
        }
        return steps;
    }

    private static void addNormalizer(JsonNode node, List<NormalizerStep> steps, Path file) {
        String type = node.path("type").asText();
        switch (type) {
            case "Sequence" -> {
                for (JsonNode child : JsonFiles.required(node, "normalizers", file, "normalizer.")) {
                    addNormalizer(child, steps, file);
                }
            }
            case "Prepend" -> steps.add(new NormalizerStep.Prepend(
                    JsonFiles.required(node, "prepend", file, "normalizer.").asText()));
            case "Replace" -> steps.add(new NormalizerStep.Replace(stringPattern(node, file, "normalizer"),
                    JsonFiles.required(node, "content", file, "normalizer.").asText()));
            default -> throw unsupported(file, "normalizer '" + type + "'");
        }
    }

    /**
     * Only the decoder chain of Mistral/Llama files: Replace("▁", " "), ByteFallback, Fuse,
     * then an optional Strip(" ", n, 0). Other chains would decode differently, so they are refused.
     */
    private static DecodingRules parseDecoder(JsonNode root, Path file) {
        JsonNode decoder = JsonFiles.required(root, "decoder", file, "");
        List<JsonNode> chain = new ArrayList<>();
        if (decoder.path("type").asText().equals("Sequence")) {
            JsonFiles.required(decoder, "decoders", file, "decoder.").forEach(chain::add);
        } else {
            chain.add(decoder);
        }
        List<String> types = chain.stream().map(step -> step.path("type").asText()).toList();
        List<String> expected = List.of("Replace", "ByteFallback", "Fuse", "Strip");
        boolean knownShape = types.equals(expected) || types.equals(expected.subList(0, 3));
        if (!knownShape) {
            throw unsupported(file, "decoder chain " + types + " (expected " + expected + ")");
        }
        JsonNode replace = chain.get(0);
        String pattern = stringPattern(replace, file, "decoder");
        if (!pattern.equals(SPACE_SYMBOL) || !replace.path("content").asText().equals(" ")) {
            throw unsupported(file, "decoder Replace of '" + pattern + "' (only '\u2581' -> ' ')");
        }
        int strip = 0;
        if (chain.size() == 4) {
            JsonNode stripStep = chain.get(3);
            if (!stripStep.path("content").asText().equals(" ") || stripStep.path("stop").asInt() != 0) {
                throw unsupported(file, "decoder Strip other than leading spaces");
            }
            strip = stripStep.path("start").asInt();
        }
        return new DecodingRules(SPACE_SYMBOL, true, strip);
    }

    private static String stringPattern(JsonNode node, Path file, String context) {
        JsonNode pattern = JsonFiles.required(node, "pattern", file, context + ".");
        if (!pattern.path("String").isTextual()) {
            throw unsupported(file, context + " Replace with a regex pattern");
        }
        return pattern.get("String").asText();
    }

    private static boolean hasValue(JsonNode node) {
        return node != null && !node.isNull();
    }

    private static boolean hasText(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isEmpty();
    }

    private static TokenizerException unsupported(Path file, String what) {
        return new TokenizerException(file + ": " + what + " is not supported");
    }
}
