package org.tramontane.tokenizer;

import java.util.Arrays;
import java.util.Comparator;

/**
 * SentencePiece BPE merges: two adjacent symbols merge when their concatenation is a normal or
 * user-defined piece, the highest-scoring such piece first. Scores are turned into dense ranks
 * (best score = rank 0, equal scores share a rank) so the same min-heap as HF's rank-based BPE
 * applies, with ties still going to the leftmost pair as in SentencePiece.
 */
final class ScoreMergeRule implements BpeMerger.MergeRule {
    private final Vocabulary vocabulary;
    private final int[] ranks;

    ScoreMergeRule(Vocabulary vocabulary, float[] scores) {
        this.vocabulary = vocabulary;
        int size = vocabulary.size();
        Integer[] byScore = new Integer[size];
        for (int id = 0; id < size; id++) {
            byScore[id] = id;
        }
        Arrays.sort(byScore, Comparator.comparingDouble((Integer id) -> scores[id]).reversed());
        ranks = new int[size];
        int rank = 0;
        for (int i = 0; i < size; i++) {
            if (i > 0 && scores[byScore[i]] != scores[byScore[i - 1]]) {
                rank++;
            }
            ranks[byScore[i]] = rank;
        }
    }

    @Override
    public long lookup(int leftId, int rightId) {
        if (!isMergeable(leftId) || !isMergeable(rightId)) {
            return -1L;
        }
        int mergedId = vocabulary.idOf(vocabulary.piece(leftId) + vocabulary.piece(rightId));
        if (mergedId < 0 || !isMergeable(mergedId)) {
            return -1L;
        }
        return (long) ranks[mergedId] << 32 | mergedId;
    }

    /** SentencePiece only merges through its "normal" piece table; bytes and control pieces stay apart. */
    private boolean isMergeable(int id) {
        PieceType type = vocabulary.type(id);
        return type == PieceType.NORMAL || type == PieceType.USER_DEFINED;
    }
}
