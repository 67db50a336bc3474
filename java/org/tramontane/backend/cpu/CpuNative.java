package org.tramontane.backend.cpu;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.MemberSetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP peer of native/cpu/include/tramontane_cpu.h. Only this package calls it.
 * Pointers travel as raw addresses ({@code long}); the native side checks every index it is
 * given and answers with a status code (0 ok, negative TN_E_*).
 */
@Platform(include = "tramontane_cpu.h", link = "tramontane_cpu", compiler = "cpp17")
final class CpuNative {
    static {
        Loader.load();
    }

    private CpuNative() {}

    static final int TN_OK = 0;
    static final int TN_E_ARG = -1;
    static final int TN_E_INDEX = -2;
    /** OR'd into a linear weight's dtype code (float, or int8 with int8 activations): laid out by tn_pack_panels. */
    static final int TN_W_PANELS = 0x100;

    @Name("tn_kv_layout")
    static final class KvLayout extends Pointer {
        static {
            Loader.load();
        }

        KvLayout() {
            allocate();
        }

        private native void allocate();

        native int num_blocks(); native KvLayout num_blocks(int v);
        native int block_size(); native KvLayout block_size(int v);
        native int num_kv_heads(); native KvLayout num_kv_heads(int v);
        native int head_dim(); native KvLayout head_dim(int v);
        native int dtype(); native KvLayout dtype(int v);
    }

    @Name("tn_attention_params")
    static final class AttentionParams extends Pointer {
        static {
            Loader.load();
        }

        AttentionParams() {
            allocate();
        }

        private native void allocate();

        native int num_tokens(); native AttentionParams num_tokens(int v);
        native int num_seqs(); native AttentionParams num_seqs(int v);
        native int num_heads(); native AttentionParams num_heads(int v);
        native int max_blocks_per_seq(); native AttentionParams max_blocks_per_seq(int v);
        native int window(); native AttentionParams window(int v);
        native float scale(); native AttentionParams scale(float v);
    }

    @Name("tn_moe_params")
    static final class MoeParams extends Pointer {
        static {
            Loader.load();
        }

        MoeParams() {
            allocate();
        }

        private native void allocate();

        native int num_tokens(); native MoeParams num_tokens(int v);
        native int hidden(); native MoeParams hidden(int v);
        native int inter(); native MoeParams inter(int v);
        native int num_experts(); native MoeParams num_experts(int v);
        native int top_k(); native MoeParams top_k(int v);
        native int w_dtype(); native MoeParams w_dtype(int v);
        native int round_act(); native MoeParams round_act(int v);
    }

    @Name("tn_linear_weight")
    static final class LinearWeight extends Pointer {
        static {
            Loader.load();
        }

        LinearWeight() {
            allocate();
        }

        private native void allocate();

        // pointer members: explicit setters (a @Cast on a plain setter breaks JavaCPP's getter/setter pairing)
        @MemberSetter @Name("w") native LinearWeight w(@Cast("const void*") long v);
        @MemberSetter @Name("scale") native LinearWeight scale(@Cast("const float*") long v);
        native int dtype(); native LinearWeight dtype(int v);
        native int act_quant(); native LinearWeight act_quant(int v);
    }

    @Name("tn_stream_choice")
    static final class StreamChoiceStruct extends Pointer {
        static {
            Loader.load();
        }

        StreamChoiceStruct() {
            allocate();
        }

        private native void allocate();

        native int prefetch(); native StreamChoiceStruct prefetch(int v);
        native int prefetch_bytes(); native StreamChoiceStruct prefetch_bytes(int v);
        native int streams(); native StreamChoiceStruct streams(int v);
        native int block_rows(); native StreamChoiceStruct block_rows(int v);
        native int split(); native StreamChoiceStruct split(int v);
    }

    static native int tn_set_stream_choice(int dtype, int n, int k,
            @Cast("const tn_stream_choice*") StreamChoiceStruct c);
    static native void tn_clear_stream_choices();
    static native int tn_stream_tunable(int dtype);
    static native @Cast("size_t") long tn_llc_bytes();
    static native int tn_time_stream(int dtype, int n, int k, @Cast("const int64_t*") long[] regions, int numRegions,
            @Cast("const tn_stream_choice*") StreamChoiceStruct c, int calls, int rounds, double[] nsPerCall);

    static native int tn_isa_supported();
    static native int tn_isa_active();
    static native int tn_amx_state();
    static native int tn_set_isa(int level);
    static native int tn_set_threads(int numThreads);
    static native int tn_num_threads();

    static native @Cast("intptr_t") long tn_alloc(@Cast("size_t") long bytes);
    static native void tn_free(@Cast("void*") long p);
    static native @Cast("intptr_t") long tn_map_file(String path, @Cast("size_t*") long[] len);
    static native void tn_unmap(@Cast("void*") long p, @Cast("size_t") long len);

    static native int tn_convert(@Cast("const void*") long src, int srcDtype,
            @Cast("void*") long dst, int dstDtype, @Cast("size_t") long n);

    static native int tn_embedding(@Cast("const void*") long table, int dtype, long vocab, int hidden,
            @Cast("const int32_t*") long ids, int numTokens, @Cast("float*") long out);

    static native int tn_rms_norm(@Cast("const float*") long x, @Cast("const float*") long w,
            @Cast("float*") long out, int rows, int dim, float eps);

    static native int tn_linear(@Cast("const float*") long x, int m, int k,
            @Cast("const tn_linear_weight*") LinearWeight w, int n, @Cast("float*") long out, int roundAct);

    static native int tn_pack_panels(@Cast("void*") long w, int dtype, long batch, long n, long k);

    static native int tn_rope(@Cast("float*") long q, int qStride, @Cast("float*") long k, int kStride,
            @Cast("const int32_t*") long positions, int numTokens, int numHeads, int numKvHeads,
            int headDim, float theta);

    static native int tn_reshape_and_cache(@Cast("const float*") long k, int kStride,
            @Cast("const float*") long v, int vStride, int numTokens,
            @Cast("const int32_t*") long slotMapping, @Cast("void*") long kCache,
            @Cast("void*") long vCache, @Cast("const tn_kv_layout*") KvLayout kv);

    static native int tn_paged_attention(@Cast("const float*") long q, int qStride,
            @Cast("const void*") long kCache, @Cast("const void*") long vCache,
            @Cast("const tn_kv_layout*") KvLayout kv, @Cast("const tn_attention_params*") AttentionParams p,
            @Cast("const int32_t*") long seqIdx, @Cast("const int32_t*") long positions,
            @Cast("const int32_t*") long blockTables, @Cast("float*") long out);

    static native int tn_moe_gate(@Cast("const float*") long x, @Cast("const float*") long gateW,
            int numTokens, int hidden, int numExperts, int topK, @Cast("int32_t*") long expertIds,
            @Cast("float*") long routingWeights, @Cast("float*") long routerLogits);

    static native @Cast("size_t") long tn_moe_scratch_floats(@Cast("const tn_moe_params*") MoeParams p);

    static native int tn_quantize_rows(@Cast("const float*") long x, int m, int k, @Cast("int8_t*") long xq,
            @Cast("float*") long scales);

    static native int tn_moe_experts(@Cast("const float*") long x, @Cast("const tn_moe_params*") MoeParams p,
            @Cast("const int32_t*") long expertIds, @Cast("const float*") long routingWeights,
            @Cast("const tn_linear_weight*") LinearWeight w1, @Cast("const tn_linear_weight*") LinearWeight w3,
            @Cast("const tn_linear_weight*") LinearWeight w2, @Cast("float*") long scratch, @Cast("float*") long out);

    static native int tn_fill_random_runs(@Cast("void*") long dst, int dtype, @Cast("uint64_t") long seed,
            float scale, @Cast("const int64_t*") long[] runStarts, @Cast("size_t") long numRuns,
            @Cast("size_t") long runElems);

    static native int tn_quantize_weight(@Cast("const float*") long w, long rows, long k, long colStart, long cols,
            @Cast("int8_t*") long q, @Cast("float*") long scales);

    static final int TN_PEAK_FP32_FMA = 0;
    static final int TN_PEAK_BF16_DOT = 1;
    static final int TN_PEAK_INT8_VNNI = 2;
    static final int TN_PEAK_AMX_BF16 = 3;
    static final int TN_PEAK_AMX_INT8 = 4;

    static native int tn_probe_peak(int kind, int millis, int repeats, double[] opsPerS);

    static native int tn_probe_read_bandwidth(@Cast("size_t") long bytes, int repeats, double[] bytesPerS);

    static native @Cast("uint64_t") long tn_weight_bytes_read();

    static native @Cast("uint64_t") long tn_attention_nanos();

    static native int tn_add(@Cast("float*") long y, @Cast("const float*") long x, @Cast("size_t") long n);
}
