// aclnnMoeInitRoutingV2 (libopapi): tokens expanded and sorted by expert, with the per-expert counts.
#ifndef TRAMONTANE_DECL_ACLNN_MOE_INIT_ROUTING_V2_H
#define TRAMONTANE_DECL_ACLNN_MOE_INIT_ROUTING_V2_H
#include "aclnn/acl_meta.h"
#ifdef __cplusplus
extern "C" {
#endif
// Dropless routing: rows (t, j) of x sorted by expertIdx[t, j] into expandedX [T*k, H];
// expandedRowIdx [T*k]: for flattened (t*k + j), the row of expandedX holding it;
// expertTokensCountOrCumsum [E] int32 (flag 1 = cumsum). Outputs const as in CANN's header.
aclnnStatus aclnnMoeInitRoutingV2GetWorkspaceSize(const aclTensor* x, const aclTensor* expertIdx, int64_t activeNum,
                                                  int64_t expertCapacity, int64_t expertNum, int64_t dropPadMode,
                                                  int64_t expertTokensCountOrCumsumFlag,
                                                  bool expertTokensBeforeCapacityFlag, const aclTensor* expandedXOut,
                                                  const aclTensor* expandedRowIdxOut,
                                                  const aclTensor* expertTokensCountOrCumsumOut,
                                                  const aclTensor* expertTokensBeforeCapacityOut,
                                                  uint64_t* workspaceSize, aclOpExecutor** executor);
aclnnStatus aclnnMoeInitRoutingV2(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                  aclrtStream stream);
#ifdef __cplusplus
}
#endif
#endif
