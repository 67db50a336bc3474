package org.tramontane.model;

import org.tramontane.backend.DeviceTensor;
import org.tramontane.backend.ExpertWeights;

/**
 * One decoder layer's weights, bound once at load.
 *
 * @param inputNorm f32 [hidden]
 * @param wqkv      [qSize + 2 * kvSize, hidden], q, k, v rows fused
 * @param wo        [hidden, qSize]
 * @param postNorm  f32 [hidden]
 * @param router    f32 [numExperts, hidden]
 * @param experts   stacked w1/w3 [E, inter, hidden], w2 [E, hidden, inter]
 */
public record LayerWeights(DeviceTensor inputNorm, DeviceTensor wqkv, DeviceTensor wo, DeviceTensor postNorm,
        DeviceTensor router, ExpertWeights experts) {
}
