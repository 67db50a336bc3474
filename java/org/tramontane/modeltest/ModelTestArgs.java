package org.tramontane.modeltest;

import java.util.List;
import org.tramontane.config.DType;

/**
 * MindIE's positional modeltest command line, parsed by {@link ModelTestGrammar}.
 *
 * @param modelType       "pa_fp16" or "pa_bf16", as typed
 * @param dtype           what modelType selects (fp16 or bf16); {@code --dtype} may override it later
 * @param casePairs       performance cases in the order given; empty for full_BoolQ
 * @param batchSizes      one run (and one result file) per batch size, in the order given
 * @param weights         checkpoint directory, or a preset file with {@code --load-format dummy}
 * @param trustRemoteCode accepted for MindIE compatibility; tramontane never runs code from a model directory
 * @param chipNum         CHIP_NUM: the tensor-parallel world size
 */
public record ModelTestArgs(String modelType, DType dtype, Mode mode, List<CasePair> casePairs,
        List<Integer> batchSizes, PromptFormat promptFormat, String weights, boolean trustRemoteCode, int chipNum) {
    public ModelTestArgs {
        casePairs = List.copyOf(casePairs);
        batchSizes = List.copyOf(batchSizes);
    }

    /** The only MODEL name accepted (MindIE's core/mixtral_test.py). */
    public static final String MODEL_NAME = "mixtral";
}
