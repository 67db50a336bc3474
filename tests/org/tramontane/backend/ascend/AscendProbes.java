package org.tramontane.backend.ascend;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP peer of native/ascend/probes/tramontane_ascend_probes.h and tramontane_sim_rules.h
 * (the probes of the simulator's rules, {@link SimRulesTest}): deliberate misuses of the runtime, compiled only into the tests' own JNI library (the test phase builds it; the jar never
 * holds it). That library links the facade's JNI library rather than a copy of it, so a probe runs
 * on the very device, stream and HCCL group an {@link AscendBackend} opened. Call from the
 * backend's device thread ({@link AscendDevice#call}).
 */
@Platform(include = {"tramontane_ascend_probes.h", "tramontane_sim_rules.h"}, link = {"jniAscendNative", "tramontane_ascend_probes"},
        compiler = "cpp17")
final class AscendProbes {
    static {
        Loader.load(AscendNative.class);
        Loader.load();
    }

    private AscendProbes() {}

    static native int tnp_short_workspace(@Cast("tna_device*") long d);

    static native int tnp_context_lens_without_host_data(@Cast("tna_device*") long d);

    static native int tnp_all_reduce(@Cast("tna_device*") long d, @Cast("const char*") String backend, int rank,
            int rankSize, @Cast("tna_hccl*") long hcclComm, @Cast("const char*") String commDomain,
            @Cast("const char*") String allReduceType, int dtype, @Cast("void*") long data, @Cast("size_t") long bytes,
            @Cast("size_t") long withhold);

    static native int tnr_acl_init();

    static native int tnr_acl_finalize();

    static native int tnr_memcpy2d(@Cast("tna_device*") long d, int kind);

    static native int tnr_touch_queued_output(@Cast("tna_device*") long d, int call);

    static native int tnr_async_column_copy(@Cast("tna_device*") long d, @Cast("const float*") float[] host, int rows,
            @Cast("float*") float[] out);

    static native int tnr_atb_cast(@Cast("tna_device*") long d, int from, int to);

    static native int tnr_linear_rsv(@Cast("tna_device*") long d);

    static native int tnr_linear_misuse(@Cast("tna_device*") long d, int misuse);

    static native int tnr_create(@Cast("tna_device*") long d, int which);

    static native int tnr_swiglu(@Cast("tna_device*") long d, int width);

    static native int tnr_prefill_mask(@Cast("tna_device*") long d, int cd, float masked, @Cast("float*") float[] out);

    static native int tnr_prefix_encoder(@Cast("tna_device*") long d, int misuse, @Cast("float*") float[] out);

    static native int tnr_paged_mask(@Cast("tna_device*") long d, int cd, float masked, int maskCols,
            @Cast("float*") float[] out);

    static native int tnr_gmm_w8a8(@Cast("tna_device*") long d, int scaleDtype, int outDtype);

    static native int tnr_qmm(@Cast("tna_device*") long d, int scaleDtype, int outDtype);

    static native int tnr_executor_reuse(@Cast("tna_device*") long d, int scenario);
}
