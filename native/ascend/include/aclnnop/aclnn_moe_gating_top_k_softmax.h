// aclnnMoeGatingTopKSoftmax (libopapi): softmax over the router logits, then the top k.
#ifndef TRAMONTANE_DECL_ACLNN_MOE_GATING_TOP_K_SOFTMAX_H
#define TRAMONTANE_DECL_ACLNN_MOE_GATING_TOP_K_SOFTMAX_H
#include "aclnn/acl_meta.h"
#ifdef __cplusplus
extern "C" {
#endif
// x [T, E]; finished optional (NULL); y [T, k] (x dtype) = top-k of softmax(x); expertIdx, rowIdx int32 [T, k].
// The outputs are declared const in CANN's header too (8.1.RC1 and 8.5.0).
aclnnStatus aclnnMoeGatingTopKSoftmaxGetWorkspaceSize(const aclTensor* x, const aclTensor* finishedOptional,
                                                      int64_t k, const aclTensor* yOut, const aclTensor* expertIdxOut,
                                                      const aclTensor* rowIdxOut, uint64_t* workspaceSize,
                                                      aclOpExecutor** executor);
aclnnStatus aclnnMoeGatingTopKSoftmax(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                      aclrtStream stream);
#ifdef __cplusplus
}
#endif
#endif
