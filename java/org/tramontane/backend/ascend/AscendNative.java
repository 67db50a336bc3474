package org.tramontane.backend.ascend;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP peer of native/ascend/facade/tramontane_ascend.h. Only the ascend backend calls it.
 * Device addresses and the device handle travel as raw {@code long}s; every function answers a
 * status (0 ok), with {@link #tna_last_error()} naming the failing API. JavaCPP passes link
 * libraries to the linker in reverse order: the facade first, then the runtime it calls (the
 * simulator, or CANN), then the cpu kernels the simulator reuses.
 */
@Platform(include = "tramontane_ascend.h",
        link = {"tramontane_cpu", "tramontane_ascend_runtime", "tramontane_ascend"}, compiler = "cpp17")
final class AscendNative {
    static {
        Loader.load();
    }

    private AscendNative() {}

    /** aclDataType codes. */
    static final int ACL_FLOAT = 0;
    static final int ACL_FLOAT16 = 1;
    static final int ACL_INT8 = 2;
    static final int ACL_INT32 = 3;
    static final int ACL_INT64 = 9;
    static final int ACL_BF16 = 27;

    static native int tna_is_simulator();
    static native @Cast("intptr_t") long tna_open(int deviceId, int[] status);
    static native int tna_close(@Cast("tna_device*") long d);
    static native int tna_finalize();
    static native @Cast("const char*") String tna_last_error();

    static native @Cast("const char*") String tna_cxx_abi_refusal(@Cast("const char*") String libraryPath);

    static native int tna_malloc(@Cast("tna_device*") long d, @Cast("size_t") long bytes, @Cast("void**") long[] out);
    static native int tna_free(@Cast("tna_device*") long d, @Cast("void*") long p);
    static native int tna_memset_zero(@Cast("tna_device*") long d, @Cast("void*") long p, @Cast("size_t") long bytes);
    static native int tna_upload(@Cast("tna_device*") long d, @Cast("void*") long dst, @Cast("const void*") long src,
            @Cast("size_t") long bytes);
    static native int tna_upload(@Cast("tna_device*") long d, @Cast("void*") long dst, int[] src, @Cast("size_t") long bytes);
    static native int tna_upload(@Cast("tna_device*") long d, @Cast("void*") long dst, float[] src, @Cast("size_t") long bytes);
    static native int tna_download(@Cast("tna_device*") long d, int[] dst, @Cast("const void*") long src,
            @Cast("size_t") long bytes);
    static native int tna_download(@Cast("tna_device*") long d, float[] dst, @Cast("const void*") long src,
            @Cast("size_t") long bytes);
    static native int tna_copy(@Cast("tna_device*") long d, @Cast("void*") long dst, @Cast("const void*") long src,
            @Cast("size_t") long bytes);
    static native int tna_sync(@Cast("tna_device*") long d);
    /** out[4]: ATB operations created, aclnn executors created, device mallocs, stream syncs. */
    static native int tna_counters(@Cast("tna_device*") long d, @Cast("tna_device_counters*") long[] out);
    static native int tna_fill_random(@Cast("tna_device*") long d, @Cast("void*") long dst, int dtype,
            @Cast("uint64_t") long seed, float scale, @Cast("const int64_t*") long[] runStarts,
            @Cast("size_t") long numRuns, @Cast("size_t") long runElems);

    static native int tna_cast(@Cast("tna_device*") long d, @Cast("const void*") long src, int srcDtype,
            @Cast("void*") long dst, int dstDtype, @Cast("size_t") long n);
    static native int tna_embedding(@Cast("tna_device*") long d, @Cast("const void*") long table, int cd, long vocab,
            int hidden, @Cast("const int32_t*") long ids, int n, @Cast("void*") long out, int outDtype);
    static native int tna_rms_norm(@Cast("tna_device*") long d, @Cast("const void*") long x, int xDtype,
            @Cast("const void*") long gamma, int gammaDtype, @Cast("void*") long out, int outDtype, int rows, int dim,
            float eps, int cd);
    static native int tna_linear(@Cast("tna_device*") long d, @Cast("const void*") long x, int xDtype, int m, int k,
            @Cast("const void*") long w, int cd, int n, @Cast("void*") long out, int outDtype);
    static native int tna_rope(@Cast("tna_device*") long d, @Cast("void*") long qkv, int numTokens, int nq, int nk,
            int hd, @Cast("const void*") long cosTable, @Cast("const void*") long sinTable, int maxPos,
            @Cast("const int32_t*") long positions, int cd);
    static native int tna_reshape_and_cache(@Cast("tna_device*") long d, @Cast("const void*") long qkv, int numTokens,
            int nq, int nk, int hd, @Cast("void*") long kCache, @Cast("void*") long vCache, int numBlocks,
            int blockSize, @Cast("const int32_t*") long slots, int cd);
    static native int tna_prefill_attention(@Cast("tna_device*") long d, @Cast("const void*") long qkv,
            int numTokens, int nq, int nk, int hd, @Cast("const int32_t*") long seqLens,
            @Cast("const int32_t*") int[] seqLensHost, int numSeqs, float scale, @Cast("void*") long out, int cd);
    static native int tna_prefix_attention(@Cast("tna_device*") long d, @Cast("const void*") long qkv,
            int numTokens, int nq, int nk, int hd, @Cast("const void*") long kCache, @Cast("const void*") long vCache,
            int numBlocks, int blockSize, @Cast("const int32_t*") long blockTables, int maxBlocks,
            @Cast("const int32_t*") long queryLens, @Cast("const int32_t*") int[] queryLensHost,
            @Cast("const int32_t*") long seqLens, @Cast("const int32_t*") int[] seqLensHost, int numSeqs, float scale,
            @Cast("void*") long out, int cd);
    static native int tna_decode_attention(@Cast("tna_device*") long d, @Cast("const void*") long qkv, int numSeqs,
            int nq, int nk, int hd, @Cast("const void*") long kCache, @Cast("const void*") long vCache,
            int numBlocks, int blockSize, @Cast("const int32_t*") long blockTables, int maxBlocks,
            @Cast("const int32_t*") long contextLens, @Cast("const int32_t*") int[] contextLensHost, float scale,
            @Cast("void*") long out, int cd);
    static native int tna_token_attention(@Cast("tna_device*") long d, @Cast("const void*") long qkv,
            int numTokens, int nq, int nk, int hd, @Cast("const void*") long kCache, @Cast("const void*") long vCache,
            int numBlocks, int blockSize, @Cast("const int32_t*") long blockTables, int numRows, int maxBlocks,
            @Cast("const int32_t*") int[] tableRowsHost, @Cast("const int32_t*") int[] firstBlocksHost, int rowBlocks,
            @Cast("const int32_t*") int[] contextLensHost, @Cast("const int32_t*") int[] maskedLensHost,
            int maxContextLen, float scale, @Cast("void*") long out, int cd);
    static native int tna_moe_gate(@Cast("tna_device*") long d, @Cast("const void*") long x, int xDtype,
            @Cast("const void*") long gate, int gateDtype, int numTokens, int hidden, int numExperts, int topK,
            @Cast("int32_t*") long expertIds, @Cast("void*") long weights, int cd);
    static native int tna_moe_experts(@Cast("tna_device*") long d, @Cast("const void*") long x, int numTokens,
            int hidden, int inter, int numExperts, int topK, @Cast("const void*") long gateUp,
            @Cast("const void*") long down, @Cast("const int32_t*") long expertIds,
            @Cast("const void*") long weights, @Cast("void*") long out, int dtype, int cd);
    static native int tna_moe_experts_w8a8(@Cast("tna_device*") long d, @Cast("const void*") long x, int numTokens,
            int hidden, int inter, int numExperts, int topK, @Cast("const void*") long gateUp,
            @Cast("const float*") long gateUpScale, @Cast("const void*") long down, @Cast("const float*") long downScale,
            @Cast("const int32_t*") long expertIds, @Cast("const void*") long weights, @Cast("void*") long out,
            int dtype, int cd);
    static native int tna_quant_linear(@Cast("tna_device*") long d, @Cast("const void*") long x, int xDtype, int m,
            int k, @Cast("const void*") long w, @Cast("const float*") long wScale, int n, @Cast("void*") long out,
            int outDtype, int cd);
    static native int tna_add(@Cast("tna_device*") long d, @Cast("void*") long y, @Cast("const void*") long x,
            int dtype, @Cast("size_t") long n);
    static native int tna_gather_rows(@Cast("tna_device*") long d, @Cast("const void*") long src, int dtype,
            long rows, long cols, @Cast("const int32_t*") int[] rowIdxHost, int n, @Cast("void*") long out);

    static native @Cast("size_t") long tna_hccl_root_info_bytes();
    static native int tna_hccl_root_info(@Cast("tna_device*") long d, int execTimeoutS,
            @Cast("void*") byte[] rootInfo);
    static native int tna_hccl_init(@Cast("tna_device*") long d, int nRanks, @Cast("const void*") byte[] rootInfo,
            int rank, @Cast("tna_hccl**") long[] out);
    static native int tna_hccl_destroy(@Cast("tna_device*") long d, @Cast("tna_hccl*") long c);
    static native int tna_all_reduce_sum(@Cast("tna_device*") long d, @Cast("const char*") String backend, int rank,
            int rankSize, @Cast("tna_hccl*") long hcclComm, @Cast("const char*") String commDomain,
            @Cast("void*") long data, int dtype, @Cast("size_t") long count);
    static native int tna_all_gather(@Cast("tna_device*") long d, @Cast("const char*") String backend, int rank,
            int rankSize, @Cast("tna_hccl*") long hcclComm, @Cast("const char*") String commDomain,
            @Cast("const void*") long local, int dtype, @Cast("size_t") long count, @Cast("void*") long out);

    static native @Cast("const char*") String tna_struct_layouts();
}
