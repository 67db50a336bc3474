// HCCL collective communication: the subset tramontane uses. The facade calls the communicator
// set-up and tear-down; HcclAllReduce / HcclAllGather are what ATB's hccl runners call on the
// hcclComm the facade hands to AllReduceParam / AllGatherParam (the simulated ATB calls them the
// same way), not the facade itself. Signatures from Ascend/pytorch
// third_party/hccl/inc/hccl/hccl.h; semantics from the hiascend HCCL API pages (HcclCommInitRootInfo:
// rank `rank` of nRanks joins, and returns once every rank has joined) and the HCCL_EXEC_TIMEOUT
// page (envref_07_0078: how long a rank waits for the others in a collective, seconds; 0 = never).
// Collectives are enqueued on `stream`; their failures may surface at aclrtSynchronizeStream.
// Not declared, so neither simulated nor used: HcclCommInitAll (one call creating every device's
// communicator; we create each rank's on its own device thread instead, the path ATB's comm.cpp and
// multi-process launches take) and HcclCommInitClusterInfo (multi-node, from a rank table file).
#ifndef HCCL_H_
#define HCCL_H_
#include "acl/acl.h"
#include "hccl/hccl_types.h"

#ifdef __cplusplus
extern "C" {
#endif

// On the root rank: the information every rank needs to join (one process or several).
HcclResult HcclGetRootInfo(HcclRootInfo* rootInfo);
// On each rank's device thread (after aclrtSetDevice): joins the group of nRanks as `rank`.
HcclResult HcclCommInitRootInfo(uint32_t nRanks, const HcclRootInfo* rootInfo, uint32_t rank, HcclComm* comm);
// recvBuf[count] = op over the ranks of sendBuf[count].
HcclResult HcclAllReduce(void* sendBuf, void* recvBuf, uint64_t count, HcclDataType dataType, HcclReduceOp op,
                         HcclComm comm, aclrtStream stream);
// recvBuf[nRanks * sendCount] = every rank's sendBuf[sendCount], in rank order.
HcclResult HcclAllGather(void* sendBuf, void* recvBuf, uint64_t sendCount, HcclDataType dataType, HcclComm comm,
                         aclrtStream stream);
HcclResult HcclCommDestroy(HcclComm comm);

#ifdef __cplusplus
}
#endif
#endif
