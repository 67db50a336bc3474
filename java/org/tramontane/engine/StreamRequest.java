package org.tramontane.engine;

import java.util.List;

/**
 * One sequence for {@link EngineLoop}: what {@link Generator} takes, plus what a server needs to stop
 * and report it.
 *
 * @param generation   prompt, output cap, EOS handling and sampling
 * @param stop         texts that end the sequence when generated; the match and what follows are not output
 * @param stopTokenIds ids that end the sequence (finish reason {@link FinishReason#STOP})
 * @param numLogprobs  report the chosen token's log-probability and this many most likely ones; -1 = none
 * @param adjust       penalties, logit bias and min_p ({@link LogitsAdjust#NONE} for none)
 * @param choiceIdx    the sequence's index among those sampled for one prompt: its random stream is
 *                     the seed's plus this index, as {@link Generator} does for a request's index
 */
public record StreamRequest(GenerationRequest generation, List<String> stop, int[] stopTokenIds, int numLogprobs,
        LogitsAdjust adjust, int choiceIdx) {
    public StreamRequest {
        stop = List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) throw new IllegalArgumentException("empty stop string");
        }
        stopTokenIds = stopTokenIds.clone();
        if (numLogprobs < -1) throw new IllegalArgumentException("numLogprobs must be >= -1");
    }

    /** Greedy or sampled as {@code generation} says, with no stop conditions but EOS and length. */
    public static StreamRequest of(GenerationRequest generation) {
        return new StreamRequest(generation, List.of(), new int[0], -1, LogitsAdjust.NONE, 0);
    }
}
