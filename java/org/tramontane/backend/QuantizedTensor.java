package org.tramontane.backend;

import org.tramontane.config.ActivationQuant;

import org.tramontane.config.DType;

/**
 * A linear weight stored as symmetric per-output-channel int8: {@code weight} I8 [..., n, k] and
 * {@code scale} F32 [..., n] (one per output row), used as {@code weight * scale} with the input
 * treated as {@code activation} says. Seen as a tensor it has the int8 weight's dtype and shape.
 */
public record QuantizedTensor(DeviceTensor weight, DeviceTensor scale, ActivationQuant activation)
        implements DeviceTensor {
    public QuantizedTensor {
        if (weight.dtype() != DType.I8 || scale.dtype() != DType.F32) {
            throw new IllegalArgumentException("quantized weight must be I8 with F32 scales");
        }
        long k = weight.shape()[weight.shape().length - 1];
        if (scale.numElements() != weight.numElements() / k) {
            throw new IllegalArgumentException("one scale per output row expected");
        }
    }

    @Override
    public DType dtype() {
        return DType.I8;
    }

    @Override
    public long[] shape() {
        return weight.shape();
    }
}
