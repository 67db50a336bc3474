// aclnnMoeTokenUnpermute (libopapi): the experts' rows back in token order, summed by routing weight.
#ifndef TRAMONTANE_DECL_ACLNN_MOE_TOKEN_UNPERMUTE_H
#define TRAMONTANE_DECL_ACLNN_MOE_TOKEN_UNPERMUTE_H
#include "aclnn/acl_meta.h"
#ifdef __cplusplus
extern "C" {
#endif
// out[t] = sum_j probs[t, j] * permutedTokens[sortedIndices[t*k + j]]. `out` is const in the 8.1.RC1
// header and not in 8.5.0's (the facade passes a non-const pointer, which fits both).
aclnnStatus aclnnMoeTokenUnpermuteGetWorkspaceSize(const aclTensor* permutedTokens, const aclTensor* sortedIndices,
                                                   const aclTensor* probsOptional, bool paddedMode,
                                                   const aclIntArray* restoreShapeOptional,
#if TRAMONTANE_CANN_VERSION >= 80500
                                                   aclTensor* out,
#else
                                                   const aclTensor* out,
#endif
                                                   uint64_t* workspaceSize, aclOpExecutor** executor);
aclnnStatus aclnnMoeTokenUnpermute(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                   aclrtStream stream);
#ifdef __cplusplus
}
#endif
#endif
