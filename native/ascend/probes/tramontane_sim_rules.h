// Probes of the simulator's rules (docs/ascend.md, "The simulator's rules"): each breaks, or keeps,
// one rule of cann-constraints.md by calling ACL / ATB / aclnn directly on the facade's device, and
// returns the status the runtime answered (tna_last_error() names the call). Test build only.
#ifndef TRAMONTANE_SIM_RULES_H
#define TRAMONTANE_SIM_RULES_H
#include "tramontane_ascend.h"
#ifdef __cplusplus
extern "C" {
#endif

// ACL-1 / ACL-3: aclInit(nullptr) and aclFinalize() as they answer.
int tnr_acl_init(void);
int tnr_acl_finalize(void);
// ACL-8: aclrtMemcpy2d of `kind` (aclrtMemcpyKind) between two 64-byte device buffers (host
// buffer on the host side of H2D / D2H).
int tnr_memcpy2d(tna_device* d, int kind);
// ACL-6 / ACL-7 / ACL-10 / ACL-12: an Elewise CAST into a device buffer is queued, then before the
// stream is synchronised `call` touches that buffer: 0 aclrtMemcpy D2H, 1 aclrtMemcpy2d D2H,
// 2 aclrtMemset, 3 aclrtFree, 4 aclrtDestroyStream (of the stream the cast is queued on). Answers
// the call's status; the stream is synchronised afterwards.
int tnr_touch_queued_output(tna_device* d, int call);
// ACL-9 / ACL-11: a cast is queued into a, aclrtMemcpy2dAsync D2D copies a's columns [1, 3) of
// 4 into b (2 columns), the stream is synchronised, b is read back: out f32 [rows * 2].
int tnr_async_column_copy(tna_device* d, const float* host, int rows, float* out);
// ATB-3 / OP-EW-2: Elewise CAST of 8 elements from `from` to `to` (aclDataType), synchronised.
int tnr_atb_cast(tna_device* d, int from, int to);
// ATB-1: a Linear whose param has rsv[0] = 1.
int tnr_linear_rsv(tna_device* d);
// ATB-3 / ATB-4 misuses of a small Linear: 0 one output too many at Setup, 1 Execute without a
// Setup, 2 Execute with one input's dataSize larger than at Setup, 3 Execute on another context
// than Setup's, 4 Setup on a context CreateContext did not make.
int tnr_linear_misuse(tna_device* d, int misuse);
// CreateOperation refusals: 0 Elewise elewiseType 21, 1 Activation dim 0, 2 SelfAttention isTriuMask 1
// without a mask, 3 SelfAttention headNum 3 over kvHeadNum 2.
int tnr_create(tna_device* d, int which);
// OP-ACT-2: SWIGLU_FORWARD over an fp16 input [2, width].
int tnr_swiglu(tna_device* d, int width);
// MASK-1..4: a 2-token causal prefill (PA_ENCODER, one head, head dim 4, a [128,128] triu mask of
// dtype cd whose masked entries hold `masked`); value rows v0 = 1, v1 = 3, out f32 [2, 4].
int tnr_prefill_mask(tna_device* d, int cd, float masked, float* out);
// SelfAttention PREFIX_ENCODER (fp16, one head, head dim 16, block size 128): a 2-token chunk after a
// cached prefix of 128 positions, the sequence's two blocks in reverse order in its table; keys all 0.5,
// values 1 on the prefix, 3 and 5 on the chunk; out f32 [2, 16]. `misuse`: 0 none, 1 seqLen without
// hostData, 2 kvSeqLen without hostData, 3 kvSeqLen 1 below seqLen 2, 4 a [64, 64] mask, 5 maskType
// MASK_TYPE_NORM, 6 the pack without kvSeqLen, 7 a cache of block size 64, 8 a cached prefix of 127.
int tnr_prefix_encoder(tna_device* d, int misuse, float* out);
// PagedAttention MASK_TYPE_NORM (one head, head dim 4, block size 4): one query over a context of 3
// (cached keys all 0.5, values 1, 3, 5) with a mask [1, 1, 1, mask_cols] of dtype cd holding `masked` at
// key 0 and 0 elsewhere; out f32 [4].
int tnr_paged_mask(tna_device* d, int cd, float masked, int mask_cols, float* out);
// NN-GMM-2: a W8A8 aclnnGroupedMatmulV4 (one expert, [2, 32] x [32, 32]) with scale dtype
// scale_dtype and out dtype out_dtype, synchronised.
int tnr_gmm_w8a8(tna_device* d, int scale_dtype, int out_dtype);
// NN-QMM-1: aclnnQuantMatmulV4 ([2, 32] x [32, 32]^T) with scale dtype scale_dtype and out dtype out_dtype.
int tnr_qmm(tna_device* d, int scale_dtype, int out_dtype);
// NN-REP-1..4: an aclnnDynamicQuant executor ([2, 32] fp16) reused as `scenario` says: 0 the legal
// sequence (repeatable, launch, sync, new input address, launch, sync, destroy); 1 repeatable after
// the first launch; 2 a second launch without repeatable; 3 an address refresh while a launch is
// queued; 4 a refresh at an index out of range; 5 a refresh of an executor not made repeatable;
// 6 a refresh to an address not 32-byte aligned; 7 destroying an executor not made repeatable;
// 8 aclSetAclOpExecutorRepeatable(NULL).
int tnr_executor_reuse(tna_device* d, int scenario);

#ifdef __cplusplus
}
#endif
#endif
