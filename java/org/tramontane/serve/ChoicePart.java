package org.tramontane.serve;

import java.util.List;
import org.tramontane.engine.TokenOutput;

/**
 * One choice's text, in a stream chunk (what is new) or in a whole answer (all of it).
 *
 * @param tokens       the tokens behind the text, for logprobs; null when not asked for
 * @param finishReason "stop", "length", or null while it runs
 */
record ChoicePart(int index, String text, List<TokenOutput> tokens, String finishReason) {
}
