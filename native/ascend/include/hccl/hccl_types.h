// HCCL types: the subset the facade uses, in the real names and values. Written from
// Ascend/pytorch third_party/hccl/inc/hccl/hccl_types.h (the copy of CANN's header that torch_npu
// builds against; values checked against CANN 8.1.RC1 and 8.5.0 by the conformance test): HcclResult
// codes, HcclReduceOp, HcclDataType (RESERVED sentinels 255), HCCL_ROOT_INFO_BYTES = 4108
// and HcclRootInfo { char internal[4108] }. Only the constants below are declared; the real header
// also has HcclCommConfig and send/recv item types, which nothing here uses.
#ifndef HCCL_TYPES_H_
#define HCCL_TYPES_H_
#include <stdint.h>
#include "tramontane_cann_version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  HCCL_SUCCESS = 0,
  HCCL_E_PARA = 1,          // parameter error
  HCCL_E_PTR = 2,           // empty pointer
  HCCL_E_MEMORY = 3,
  HCCL_E_INTERNAL = 4,
  HCCL_E_NOT_SUPPORT = 5,
  HCCL_E_NOT_FOUND = 6,
  HCCL_E_UNAVAIL = 7,
  HCCL_E_SYSCALL = 8,
  HCCL_E_TIMEOUT = 9,
  HCCL_E_OPEN_FILE_FAILURE = 10,
  HCCL_E_TCP_CONNECT = 11,
  HCCL_E_ROCE_CONNECT = 12,
  HCCL_E_TCP_TRANSFER = 13,
  HCCL_E_ROCE_TRANSFER = 14,
  HCCL_E_RUNTIME = 15,      // a runtime (ACL) call inside HCCL failed
  HCCL_E_DRV = 16,
  HCCL_E_PROFILING = 17,
  HCCL_E_CCE = 18,
  HCCL_E_NETWORK = 19,
  HCCL_E_AGAIN = 20,
  HCCL_E_REMOTE = 21,
  HCCL_E_SUSPENDING = 22,
#if TRAMONTANE_CANN_VERSION >= 80500
  HCCL_E_OPRETRY_FAIL = 23,
#endif
  HCCL_E_RESERVED           // 23 in 8.1.RC1, 24 in 8.5.0
} HcclResult;

// One rank's communicator (opaque).
typedef void* HcclComm;

typedef enum {
  HCCL_REDUCE_SUM = 0,
  HCCL_REDUCE_PROD = 1,
  HCCL_REDUCE_MAX = 2,
  HCCL_REDUCE_MIN = 3,
  HCCL_REDUCE_RESERVED = 255
} HcclReduceOp;

typedef enum {
  HCCL_DATA_TYPE_INT8 = 0,
  HCCL_DATA_TYPE_INT16 = 1,
  HCCL_DATA_TYPE_INT32 = 2,
  HCCL_DATA_TYPE_FP16 = 3,
  HCCL_DATA_TYPE_FP32 = 4,
  HCCL_DATA_TYPE_INT64 = 5,
  HCCL_DATA_TYPE_UINT64 = 6,
  HCCL_DATA_TYPE_UINT8 = 7,
  HCCL_DATA_TYPE_UINT16 = 8,
  HCCL_DATA_TYPE_UINT32 = 9,
  HCCL_DATA_TYPE_FP64 = 10,
  HCCL_DATA_TYPE_BFP16 = 11,
  HCCL_DATA_TYPE_RESERVED = 255
} HcclDataType;

#define HCCL_ROOT_INFO_BYTES 4108  // a const uint32_t in the real header; a macro keeps this one C

// What the root rank's HcclGetRootInfo hands to every rank's HcclCommInitRootInfo (opaque bytes).
typedef struct HcclRootInfoDef {
  char internal[HCCL_ROOT_INFO_BYTES];
} HcclRootInfo;

#ifdef __cplusplus
}
#endif
#endif
