package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tramontane.config.Precision;

/**
 * The simulator's rules (docs/ascend.md, "The simulator's rules"), one test per rule of the CANN
 * constraints the project's calls meet, each named by its rule id: the probe breaks the rule on the
 * device an {@link AscendBackend} opened and the runtime must answer as CANN documents. Where a rule
 * has a legal twin, the twin must pass too (the rule refuses what it should, no more).
 */
class SimRulesTest {
    private static final int ACL_ERROR_INVALID_PARAM = 100000;
    private static final int ACL_ERROR_RT_PARAM_INVALID = 107000;
    private static final int ACL_ERROR_RT_AICORE_EXCEPTION = 507015;
    private static final int ERROR_INVALID_PARAM = 1;
    private static final int ERROR_INVALID_IN_TENSOR_NUM = 5;
    private static final int ERROR_INVALID_TENSOR_DIM = 8;
    private static final int ERROR_INVALID_TENSOR_INI_MATCH = 13;
    private static final int ACLNN_ERR_PARAM_INVALID = 161002;
    private static final int H2D = 1;
    private static final int D2H = 2;
    private static final int D2D = 3;

    record Answer(int status, String message) {}

    /** Runs a probe on a fresh fp16 backend's device thread. */
    private static Answer probe(ToIntFunction<Long> call) {
        try (AscendBackend b = AscendBackend.open(Precision.FP16, true)) {
            AscendDevice d = b.device();
            return d.on(() -> new Answer(call.applyAsInt(d.handle()), AscendNative.tna_last_error()));
        }
    }

    private static void refused(Answer a, int status, String... words) {
        assertEquals(status, a.status(), a.message());
        for (String w : words) assertTrue(a.message().contains(w), "'" + w + "' not in: " + a.message());
    }

    private static void passes(Answer a) {
        assertEquals(0, a.status(), a.message());
    }

    @Test
    void acl5MallocOfZeroBytesIsRefused() {
        long[] out = new long[1];
        refused(probe(d -> AscendNative.tna_malloc(d, 0, out)), ACL_ERROR_INVALID_PARAM, "aclrtMalloc", "size 0");
    }

    @Test
    void acl8Memcpy2dTakesHostToDeviceAndDeviceToHostOnly() {
        refused(probe(d -> AscendProbes.tnr_memcpy2d(d, D2D)), ACL_ERROR_INVALID_PARAM, "aclrtMemcpy2d", "kind 3");
        passes(probe(d -> AscendProbes.tnr_memcpy2d(d, H2D)));
        passes(probe(d -> AscendProbes.tnr_memcpy2d(d, D2H)));
    }

    /** ACL-7 (aclrtMemcpy, aclrtMemcpy2d), ACL-10 (aclrtMemset), ACL-6 (aclrtFree), ACL-12 (aclrtDestroyStream). */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void acl6to12SynchronousCallsDoNotWaitForQueuedKernels(int call) {
        String[] api = {"aclrtMemcpy", "aclrtMemcpy2d", "aclrtMemset", "aclrtFree", "aclrtDestroyStream"};
        Answer a = probe(d -> AscendProbes.tnr_touch_queued_output(d, call));
        refused(a, ACL_ERROR_RT_PARAM_INVALID, api[call], call == 4 ? "still queued" : "ElewiseOperation");
    }

    @Test
    void acl9Memcpy2dAsyncCopiesDeviceColumnsInStreamOrder() {
        int rows = 3;
        float[] host = new float[rows * 4];
        for (int i = 0; i < host.length; i++) host[i] = i;
        float[] out = new float[rows * 2];
        passes(probe(d -> AscendProbes.tnr_async_column_copy(d, host, rows, out)));
        // columns 1 and 2 of each row of 4, written by the cast queued before the copy
        assertArrayEquals(new float[] {1, 2, 5, 6, 9, 10}, out);
    }

    @Test
    void atb3ElewiseCastTakesOnlyItsIniPairs() {
        int f32 = AscendNative.ACL_FLOAT;
        int f16 = AscendNative.ACL_FLOAT16;
        int bf16 = AscendNative.ACL_BF16;
        refused(probe(d -> AscendProbes.tnr_atb_cast(d, bf16, f16)), ERROR_INVALID_TENSOR_INI_MATCH,
                "bf16 -> float16", "ElewiseOperationCast");
        refused(probe(d -> AscendProbes.tnr_atb_cast(d, f16, bf16)), ERROR_INVALID_TENSOR_INI_MATCH, "float16 -> bf16");
        refused(probe(d -> AscendProbes.tnr_atb_cast(d, AscendNative.ACL_INT32, f32)), ERROR_INVALID_TENSOR_INI_MATCH);
        for (int[] pair : new int[][] {{f16, f32}, {f32, f16}, {bf16, f32}, {f32, bf16},
                {AscendNative.ACL_INT32, AscendNative.ACL_INT64}, {AscendNative.ACL_INT64, AscendNative.ACL_INT32}}) {
            passes(probe(d -> AscendProbes.tnr_atb_cast(d, pair[0], pair[1])));
        }
    }

    @Test
    void atb1ReservedBytesMustBeZero() {
        refused(probe(AscendProbes::tnr_linear_rsv), ERROR_INVALID_PARAM, "rsv");
    }

    @Test
    void atb3OutputCountIsInvalidInTensorNum() {
        refused(probe(d -> AscendProbes.tnr_linear_misuse(d, 0)), ERROR_INVALID_IN_TENSOR_NUM, "outputs");
    }

    @Test
    void atb3SetupNeedsAContextCreateContextMade() {
        refused(probe(d -> AscendProbes.tnr_linear_misuse(d, 4)), ERROR_INVALID_PARAM, "CreateContext");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void atb4ExecuteMatchesTheLastSetup(int misuse) {
        String[] why = {"", "Setup did not succeed", "differs from its size at Setup", "not the context of Setup"};
        refused(probe(d -> AscendProbes.tnr_linear_misuse(d, misuse)), ERROR_INVALID_PARAM, why[misuse]);
    }

    @Test
    void opEw1ElewiseTypeInRange() {
        refused(probe(d -> AscendProbes.tnr_create(d, 0)), ERROR_INVALID_PARAM, "elewiseType");
    }

    @Test
    void opAct1ActivationDimIsMinusOne() {
        refused(probe(d -> AscendProbes.tnr_create(d, 1)), ERROR_INVALID_PARAM, "dim");
    }

    @Test
    void opAct2SwigluLastDimIsAMultipleOf32() {
        refused(probe(d -> AscendProbes.tnr_swiglu(d, 48)), ERROR_INVALID_TENSOR_DIM, "multiple of 32");
        passes(probe(d -> AscendProbes.tnr_swiglu(d, 64)));
    }

    @Test
    void opSa1SelfAttentionParams() {
        refused(probe(d -> AscendProbes.tnr_create(d, 2)), ERROR_INVALID_PARAM, "isTriuMask");
        refused(probe(d -> AscendProbes.tnr_create(d, 3)), ERROR_INVALID_PARAM, "headNum");
    }

    /** MASK-1..4: bf16 masks hold 0 and 1 (1 masks); fp16 masks are added to the scores. */
    @Test
    void mask4Bf16MaskIsZeroOrOne() {
        float[] out = new float[8];
        passes(probe(d -> AscendProbes.tnr_prefill_mask(d, AscendNative.ACL_BF16, 1f, out)));
        // token 0 sees only itself (v0 = 1), token 1 both (mean of 1 and 3)
        assertArrayEquals(new float[] {1, 1, 1, 1, 2, 2, 2, 2}, out, 1e-2f);
        refused(probe(d -> AscendProbes.tnr_prefill_mask(d, AscendNative.ACL_BF16, Float.NEGATIVE_INFINITY, out)),
                ACL_ERROR_RT_AICORE_EXCEPTION, "bf16 mask");
        passes(probe(d -> AscendProbes.tnr_prefill_mask(d, AscendNative.ACL_FLOAT16, Float.NEGATIVE_INFINITY, out)));
        assertArrayEquals(new float[] {1, 1, 1, 1, 2, 2, 2, 2}, out, 1e-2f);
    }

    /**
     * SelfAttention PREFIX_ENCODER (prefill chunks after a cached prefix): its seven inputs, seqLen and
     * kvSeqLen with hostData, kvSeqLen at least seqLen, MASK_TYPE_NORM_COMPRESS's [128, 128] mask, block size
     * 128 and a cached prefix that is a multiple of 128; the chunk's queries attend causally to the cached
     * prefix through the block table.
     */
    @Test
    void opSaPrefixEncoderInputsAndCausalPrefix() {
        float[] out = new float[32];
        passes(probe(d -> AscendProbes.tnr_prefix_encoder(d, 0, out)));
        // position 128 sees 128 ones and a 3, position 129 also a 5
        float[] want = new float[32];
        for (int i = 0; i < 16; i++) {
            want[i] = (128f + 3f) / 129f;
            want[16 + i] = (128f + 3f + 5f) / 130f;
        }
        assertArrayEquals(want, out, 2e-3f);
        refused(probe(d -> AscendProbes.tnr_prefix_encoder(d, 1, out)), ERROR_INVALID_PARAM, "hostData");
        refused(probe(d -> AscendProbes.tnr_prefix_encoder(d, 2, out)), ERROR_INVALID_PARAM, "hostData");
        refused(probe(d -> AscendProbes.tnr_prefix_encoder(d, 3, out)), ERROR_INVALID_PARAM, "kvSeqLen");
        refused(probe(d -> AscendProbes.tnr_prefix_encoder(d, 4, out)), ERROR_INVALID_TENSOR_DIM, "[128, 128]");
        refused(probe(d -> AscendProbes.tnr_prefix_encoder(d, 5, out)), ERROR_INVALID_PARAM, "MASK_TYPE_NORM_COMPRESS");
        refused(probe(d -> AscendProbes.tnr_prefix_encoder(d, 6, out)), ERROR_INVALID_IN_TENSOR_NUM, "7 inputs");
        refused(probe(d -> AscendProbes.tnr_prefix_encoder(d, 7, out)), ERROR_INVALID_TENSOR_DIM, "blockSize 128");
        refused(probe(d -> AscendProbes.tnr_prefix_encoder(d, 8, out)), ERROR_INVALID_PARAM, "multiple of 128", "127");
    }

    /**
     * PagedAttention MASK_TYPE_NORM (the sliding-window path): the mask [B, heads, 1, >= contextLens] of the
     * query's dtype, with MASK-1..4's conventions (fp16 added to the scores, bf16 0 keeps and 1 masks).
     */
    @Test
    void opPaNormMaskShapeAndConventions() {
        float[] out = new float[4];
        int f16 = AscendNative.ACL_FLOAT16, bf16 = AscendNative.ACL_BF16;
        // key 0 masked: the mean of v1 = 3 and v2 = 5
        passes(probe(d -> AscendProbes.tnr_paged_mask(d, f16, Float.NEGATIVE_INFINITY, 3, out)));
        assertArrayEquals(new float[] {4, 4, 4, 4}, out, 1e-2f);
        passes(probe(d -> AscendProbes.tnr_paged_mask(d, bf16, 1f, 5, out)));
        assertArrayEquals(new float[] {4, 4, 4, 4}, out, 1e-2f);
        passes(probe(d -> AscendProbes.tnr_paged_mask(d, f16, 0f, 3, out)));
        assertArrayEquals(new float[] {3, 3, 3, 3}, out, 1e-2f);
        refused(probe(d -> AscendProbes.tnr_paged_mask(d, f16, 0f, 2, out)), ERROR_INVALID_TENSOR_DIM, "mask");
        refused(probe(d -> AscendProbes.tnr_paged_mask(d, bf16, Float.NEGATIVE_INFINITY, 3, out)),
                ACL_ERROR_RT_AICORE_EXCEPTION, "bf16 mask");
    }

    @Test
    void nnGmm2W8a8ScaleDtypeFollowsTheOutDtype() {
        int f32 = AscendNative.ACL_FLOAT;
        int f16 = AscendNative.ACL_FLOAT16;
        int bf16 = AscendNative.ACL_BF16;
        refused(probe(d -> AscendProbes.tnr_gmm_w8a8(d, f32, bf16)), ACLNN_ERR_PARAM_INVALID, "NN-GMM-2");
        refused(probe(d -> AscendProbes.tnr_gmm_w8a8(d, bf16, f16)), ACLNN_ERR_PARAM_INVALID, "NN-GMM-2");
        passes(probe(d -> AscendProbes.tnr_gmm_w8a8(d, bf16, bf16)));
        passes(probe(d -> AscendProbes.tnr_gmm_w8a8(d, f32, f16)));
    }

    @Test
    void nnQmm1Fp16OutNeedsAFloat32Scale() {
        int f32 = AscendNative.ACL_FLOAT;
        int f16 = AscendNative.ACL_FLOAT16;
        int bf16 = AscendNative.ACL_BF16;
        refused(probe(d -> AscendProbes.tnr_qmm(d, bf16, f16)), ACLNN_ERR_PARAM_INVALID, "NN-QMM-1");
        passes(probe(d -> AscendProbes.tnr_qmm(d, f32, f16)));
        passes(probe(d -> AscendProbes.tnr_qmm(d, f32, bf16)));
        passes(probe(d -> AscendProbes.tnr_qmm(d, bf16, bf16)));
    }

    private static final int ACLNN_ERR_NULLPTR = 561103;

    @Test
    void nnRep1RepeatableOnlyBeforeTheFirstLaunch() {
        passes(probe(d -> AscendProbes.tnr_executor_reuse(d, 0)));
        refused(probe(d -> AscendProbes.tnr_executor_reuse(d, 1)), ACLNN_ERR_PARAM_INVALID, "aclSetAclOpExecutorRepeatable",
                "before the first launch");
        refused(probe(d -> AscendProbes.tnr_executor_reuse(d, 8)), ACLNN_ERR_NULLPTR, "aclSetAclOpExecutorRepeatable");
    }

    @Test
    void nnRep2AnExecutorNotMadeRepeatableIsConsumedByItsLaunch() {
        refused(probe(d -> AscendProbes.tnr_executor_reuse(d, 2)), ACLNN_ERR_PARAM_INVALID, "aclnnDynamicQuant",
                "consumed by its launch");
    }

    @Test
    void nnRep3AddressRefreshOfARepeatableExecutorOnly() {
        refused(probe(d -> AscendProbes.tnr_executor_reuse(d, 3)), ACLNN_ERR_PARAM_INVALID, "aclSetInputTensorAddr",
                "queued");
        refused(probe(d -> AscendProbes.tnr_executor_reuse(d, 4)), ACLNN_ERR_PARAM_INVALID, "aclSetInputTensorAddr",
                "out of range");
        refused(probe(d -> AscendProbes.tnr_executor_reuse(d, 5)), ACLNN_ERR_PARAM_INVALID, "aclSetInputTensorAddr",
                "not repeatable");
        refused(probe(d -> AscendProbes.tnr_executor_reuse(d, 6)), ACLNN_ERR_PARAM_INVALID, "aclSetInputTensorAddr",
                "32-byte");
    }

    @Test
    void nnRep4DestroyTakesRepeatableExecutorsOnly() {
        refused(probe(d -> AscendProbes.tnr_executor_reuse(d, 7)), ACLNN_ERR_PARAM_INVALID, "aclDestroyAclOpExecutor",
                "repeatable");
    }
}
