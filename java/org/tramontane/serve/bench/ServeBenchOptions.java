package org.tramontane.serve.bench;

import java.net.URI;

/**
 * A load run against an OpenAI-compatible server, as vLLM's {@code bench serve} with its random dataset.
 *
 * @param url         the server's base, e.g. http://127.0.0.1:8000
 * @param model       the served model name, or null to send none
 * @param requestRate requests per second as a Poisson process; infinite = all at once (up to the concurrency)
 * @param seed        the random prompts' seed
 */
public record ServeBenchOptions(URI url, String model, String apiKey, int numPrompts, int concurrency, int inputLen,
        int outputLen, double requestRate, long seed) {
    public ServeBenchOptions {
        if (numPrompts < 1 || concurrency < 1 || inputLen < 1 || outputLen < 1) {
            throw new IllegalArgumentException("--num-prompts, --concurrency, --input-len and --output-len must be >= 1");
        }
        if (!(requestRate > 0)) throw new IllegalArgumentException("--request-rate must be > 0");
    }
}
