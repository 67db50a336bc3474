// aclnnMoeTokenUnpermute (libopapi): the experts' rows back in token order, summed by routing weight.
#ifndef TRAMONTANE_DECL_ACLNN_MOE_TOKEN_UNPERMUTE_H
#define TRAMONTANE_DECL_ACLNN_MOE_TOKEN_UNPERMUTE_H
#include "aclnn/acl_meta.h"
#ifdef __cplusplus
extern "C" {
#endif
// out[t] = sum_j probs[t, j] * permutedTokens[sortedIndices[t*k + j]].
aclnnStatus aclnnMoeTokenUnpermuteGetWorkspaceSize(const aclTensor* permutedTokens, const aclTensor* sortedIndices,
                                                   const aclTensor* probsOptional, bool paddedMode,
                                                   const aclIntArray* restoreShapeOptional, aclTensor* out,
                                                   uint64_t* workspaceSize, aclOpExecutor** executor);
aclnnStatus aclnnMoeTokenUnpermute(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                   aclrtStream stream);
#ifdef __cplusplus
}
#endif
#endif
