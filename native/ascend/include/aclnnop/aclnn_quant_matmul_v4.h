// aclnnQuantMatmulV4 (libopapi): int8 x int8 matmul dequantised by per-channel and per-token scales.
#ifndef TRAMONTANE_DECL_ACLNN_QUANT_MATMUL_V4_H
#define TRAMONTANE_DECL_ACLNN_QUANT_MATMUL_V4_H
#include "aclnn/acl_meta.h"
#ifdef __cplusplus
extern "C" {
#endif
// x1 int8 [m, k], x2 int8 [k, n] (transposeX2: a [n, k] tensor seen transposed), scale [n],
// pertokenScale float [m]: out fp16/bf16 [m, n] = (x1 @ x2) * scale * pertokenScale (+ bias).
aclnnStatus aclnnQuantMatmulV4GetWorkspaceSize(const aclTensor* x1, const aclTensor* x2, const aclTensor* scale,
                                               const aclTensor* offset, const aclTensor* pertokenScaleOptional,
                                               const aclTensor* bias, bool transposeX1, bool transposeX2,
                                               const aclTensor* out, uint64_t* workspaceSize,
                                               aclOpExecutor** executor);
aclnnStatus aclnnQuantMatmulV4(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream);
#ifdef __cplusplus
}
#endif
#endif
