package org.tramontane.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.config.KvCacheDtype;
import org.tramontane.engine.EngineOptions;
import org.tramontane.engine.GenerationRequest;
import org.tramontane.engine.GenerationResult;
import org.tramontane.engine.LlmEngine;
import org.tramontane.engine.ModelSource;
import org.tramontane.engine.SamplingParams;

/**
 * Every prompt of a golden file generated greedily as one batch through the engine: the logits at
 * the last prompt position and the greedy continuation of each, for comparison with the golden.
 *
 * @param firstLogits [prompt][vocab] the logits step 0 was chosen from
 */
public record GoldenRun(List<JsonNode> prompts, List<GenerationResult> outputs, float[][] firstLogits) {

    public static GoldenRun run(Path modelDir, JsonNode golden, DType dtype, BackendKind backend, int worldSize) {
        return run(modelDir, golden, dtype, backend, worldSize, KvCacheDtype.AUTO);
    }

    /** With the KV cache stored as {@code kvCacheDtype}. */
    public static GoldenRun run(Path modelDir, JsonNode golden, DType dtype, BackendKind backend, int worldSize,
            KvCacheDtype kvCacheDtype) {
        return run(modelDir, golden, dtype, backend, worldSize, new EngineOptions(16, 0, 8, 0).withKvCache(kvCacheDtype, 0));
    }

    /** With the engine sized by {@code options} (a small {@code maxNumBatchedTokens} chunks the prefills). */
    public static GoldenRun run(Path modelDir, JsonNode golden, DType dtype, BackendKind backend, int worldSize,
            EngineOptions options) {
        List<GenerationRequest> reqs = new ArrayList<>();
        List<JsonNode> prompts = new ArrayList<>();
        for (JsonNode p : golden.get("prompts")) {
            prompts.add(p);
            reqs.add(new GenerationRequest(Fixtures.ints(p.get("prompt_ids")), p.get("greedy").get("ids").size(), true,
                    SamplingParams.greedy()));
        }
        float[][] first = new float[reqs.size()][];
        ModelSource src = new ModelSource(modelDir, ModelSource.LoadFormat.AUTO, dtype, backend, 0, worldSize);
        try (LlmEngine engine = LlmEngine.open(src, options)) {
            if (engine.worldSize() != worldSize) throw new AssertionError("world size " + engine.worldSize());
            List<GenerationResult> out = engine.generate(reqs, (r, step, tok, logits) -> {
                if (step == 0) first[r] = logits.clone();
            });
            return new GoldenRun(prompts, out, first);
        }
    }
}
