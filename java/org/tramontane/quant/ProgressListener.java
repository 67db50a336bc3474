package org.tramontane.quant;

/** Told after each source tensor has been written (quantized or copied) to the output. */
@FunctionalInterface
public interface ProgressListener {
    /**
     * @param done  source tensors finished so far, 1..total
     * @param total source tensors in the checkpoint
     * @param name  the source tensor just finished
     */
    void onTensor(int done, int total, String name);

    /** A listener that ignores progress. */
    static ProgressListener none() {
        return (done, total, name) -> { };
    }
}
