package org.tramontane.engine;

import java.nio.file.Path;
import org.tramontane.backend.BackendKind;
import org.tramontane.config.DType;
import org.tramontane.config.QuantScheme;

/**
 * Where a model comes from and how to run it.
 *
 * @param path       a checkpoint directory, or with {@link LoadFormat#DUMMY} a preset config file
 * @param dtype      compute precision; null = the checkpoint's torch_dtype
 * @param threads    native worker threads; 0 = one per core
 * @param worldSize  tensor-parallel ranks (in-process on the cpu backend)
 * @param quantize   quantize float linears while loading ({@code --quantize}); null = as stored
 */
public record ModelSource(Path path, LoadFormat loadFormat, DType dtype, BackendKind backend, int threads,
        int worldSize, QuantScheme quantize) {

    /** Linears as stored (no quantization at load). */
    public ModelSource(Path path, LoadFormat loadFormat, DType dtype, BackendKind backend, int threads, int worldSize) {
        this(path, loadFormat, dtype, backend, threads, worldSize, null);
    }

    public ModelSource withDtype(DType d) {
        return new ModelSource(path, loadFormat, d, backend, threads, worldSize, quantize);
    }

    public ModelSource withQuantize(QuantScheme q) {
        return new ModelSource(path, loadFormat, dtype, backend, threads, worldSize, q);
    }

    /** {@code --load-format}, as vLLM names them. */
    public enum LoadFormat {
        /** safetensors weights from the directory. */
        AUTO,
        /** deterministic random weights of a preset's shapes; nothing read but the config. */
        DUMMY
    }
}
