package org.tramontane.engine;

/**
 * How the next token is picked, in HF's order: temperature, then top-k, then top-p, then a draw.
 * temperature 0 means greedy (argmax, lowest id on ties); topK 0 and topP 1 disable those filters.
 * The seed makes sampling reproducible: each sequence draws from its own generator.
 */
public record SamplingParams(float temperature, int topK, float topP, long seed) {
    public SamplingParams {
        if (temperature < 0 || Float.isNaN(temperature)) throw new IllegalArgumentException("temperature must be >= 0");
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1]");
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0L);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
