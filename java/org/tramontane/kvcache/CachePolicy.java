package org.tramontane.kvcache;

/**
 * How a pool's blocks are kept.
 *
 * @param prefixCaching full blocks are registered by their {@link BlockHash} and new sequences start
 *                      from the cached ones
 * @param slidingWindow a query attends to this many positions, itself included (the model's
 *                      sliding_window), so the blocks before them go back to the pool; 0 = every position
 */
public record CachePolicy(boolean prefixCaching, int slidingWindow) {
    /** Every block kept to the end of its sequence, nothing shared. */
    public static final CachePolicy PLAIN = new CachePolicy(false, 0);

    public CachePolicy {
        if (slidingWindow < 0) throw new IllegalArgumentException("slidingWindow must be >= 0");
    }
}
