package org.tramontane.model;

/** Optional observer of one forward step's internals (tests, debugging); null in production. */
public interface StepTrace {
    /**
     * Router decisions of one layer.
     *
     * @param expertIds      [numTokens * topK], by descending weight per token
     * @param routingWeights [numTokens * topK], renormalised
     */
    void router(int layer, int[] expertIds, float[] routingWeights);
}
