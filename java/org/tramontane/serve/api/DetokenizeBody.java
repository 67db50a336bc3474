package org.tramontane.serve.api;

/** {@code POST /detokenize} (vLLM's). */
public record DetokenizeBody(String model, int[] tokens) {

    public record Answer(String prompt) {
    }
}
