package org.tramontane.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.tramontane.engine.TokenListener;

/** The logits each generated token was chosen from, [sequences, steps, vocab], for {@code --logits-out}. */
final class LogitsCapture implements TokenListener {
    private final int numSeqs;
    private final int steps;
    private final int vocabSize;
    /** [numSeqs, steps, vocabSize]; rows after a sequence stopped stay zero. */
    private final float[] logits;

    LogitsCapture(int numSeqs, int steps, int vocabSize) {
        this.numSeqs = numSeqs;
        this.steps = steps;
        this.vocabSize = vocabSize;
        this.logits = new float[Math.multiplyExact(Math.multiplyExact(numSeqs, steps), vocabSize)];
    }

    /** {@code capture}, or no listener at all when nothing is captured. */
    static TokenListener listener(LogitsCapture capture) {
        return capture == null ? TokenListener.NONE : capture;
    }

    @Override
    public void onToken(int requestIdx, int step, int tokenId, float[] row) {
        System.arraycopy(row, 0, logits, (requestIdx * steps + step) * vocabSize, vocabSize);
    }

    void write(Path file) throws IOException {
        NpyWriter.writeF32(file, new long[] {numSeqs, steps, vocabSize}, logits);
    }
}
