package org.tramontane.modeltest;

import java.nio.file.Path;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.Precision;

/**
 * Where MindIE's modeltest writes its files, under one root ({@code --output-dir}), so that scripts
 * written for MindIE find ours in the same places.
 *
 * @param device     "CPU" or "NPU" (MindIE's hardware_type)
 * @param dtypeLabel fp16, bf16 or fp32, with "_w8a8_dynamic" / "_w8a16" appended for quantized checkpoints
 */
public record OutputLayout(Path root, String device, String dtypeLabel, int worldSize) {

    public static OutputLayout of(Path root, BackendKind backend, Precision precision, String quantize, int worldSize) {
        String label = precision.dtype().cliName + (quantize == null ? "" : "_" + quantize);
        return new OutputLayout(root, device(backend), label, worldSize);
    }

    /** MindIE's hardware_type: NPU for the Ascend backends, CPU for ours. */
    static String device(BackendKind backend) {
        return switch (backend) {
            case CPU -> "CPU";
            case ASCEND, ASCEND_SIM -> "NPU";
        };
    }

    public Path boolqResult(int batchSize) {
        return precisionDir("results").resolve("BoolQ_pa_batch" + batchSize + "_tp" + worldSize + "_full_result.csv");
    }

    public Path boolqDebug(int batchSize) {
        return precisionDir("debug").resolve("BoolQ_pa_batch" + batchSize + "_tp" + worldSize + "_debug_info.csv");
    }

    public Path performanceResult(int batchSize) {
        return performanceDir().resolve("performance_pa_batch" + batchSize + "_tp" + worldSize + "_result.csv");
    }

    public Path performanceFormatted(int batchSize) {
        return performanceDir().resolve("performance_pa_batch" + batchSize + "_tp" + worldSize + "_formatted_result.csv");
    }

    /** Our addition: first-token and per-token latency against input length, one line per batch size. */
    public Path latencyChart() {
        return performanceDir().resolve("performance_pa_tp" + worldSize + "_latency.png");
    }

    /** MindIE's ATB_LLM_BENCHMARK_FILEPATH, which run.sh sets to the modeltest folder. */
    public Path benchmark() {
        return root.resolve("benchmark.csv");
    }

    private Path precisionDir(String kind) {
        return root.resolve("outputs").resolve(kind).resolve(device).resolve("precision_test").resolve("full")
                .resolve(dtypeLabel).resolve(ModelTestArgs.MODEL_NAME);
    }

    private Path performanceDir() {
        return root.resolve("outputs").resolve("results").resolve(device).resolve("performance_test").resolve("performance")
                .resolve(dtypeLabel).resolve(ModelTestArgs.MODEL_NAME);
    }
}
