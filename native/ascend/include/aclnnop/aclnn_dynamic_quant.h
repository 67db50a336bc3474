// aclnnDynamicQuant (libopapi): per-row symmetric int8 quantisation, two-phase (GetWorkspaceSize, then launch).
#ifndef TRAMONTANE_DECL_ACLNN_DYNAMIC_QUANT_H
#define TRAMONTANE_DECL_ACLNN_DYNAMIC_QUANT_H
#include "aclnn/acl_meta.h"
#ifdef __cplusplus
extern "C" {
#endif
// x fp16/bf16 [..., k]; smoothScales optional (NULL); yOut int8 like x; scaleOut float [rows]:
// scale = row_max(|x|) / 127, y = round(x / scale).
aclnnStatus aclnnDynamicQuantGetWorkspaceSize(const aclTensor* x, const aclTensor* smoothScalesOptional,
                                              const aclTensor* yOut, const aclTensor* scaleOut,
                                              uint64_t* workspaceSize, aclOpExecutor** executor);
aclnnStatus aclnnDynamicQuant(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream);
#ifdef __cplusplus
}
#endif
#endif
