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

    /** Writes the .npy file; a failure to write (a full disk, say) is the user's, naming the file. */
    void write(Path file) {
        try {
            NpyWriter.writeF32(file, new long[] {numSeqs, steps, vocabSize}, logits);
        } catch (IOException e) {
            throw new CliException(file + ": cannot write (--logits-out): " + e.getMessage());
        }
    }
}
