package org.tramontane.backend;

/**
 * One layer's experts, stacked in grouped-matmul layout.
 *
 * @param w1 gate projection [numExperts, intermediate, hidden]
 * @param w3 up projection   [numExperts, intermediate, hidden]
 * @param w2 down projection [numExperts, hidden, intermediate]
 */
public record ExpertWeights(DeviceTensor w1, DeviceTensor w3, DeviceTensor w2) {
}
