// aclnn tensor objects (CANN aclnn/acl_meta.h subset, libnnopbase): what the two-phase aclnn calls take.
#ifndef TRAMONTANE_DECL_ACLNN_ACL_META_H
#define TRAMONTANE_DECL_ACLNN_ACL_META_H

#include "acl/acl.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aclTensor aclTensor;
typedef struct aclTensorList aclTensorList;
typedef struct aclIntArray aclIntArray;
typedef struct aclOpExecutor aclOpExecutor;
typedef int aclnnStatus;

aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t viewDimsNum, aclDataType dataType,
                           const int64_t* stride, int64_t offset, aclFormat format,
                           const int64_t* storageDims, uint64_t storageDimsNum, void* tensorData);
aclnnStatus aclDestroyTensor(const aclTensor* tensor);
aclTensorList* aclCreateTensorList(const aclTensor* const* value, uint64_t size);
aclnnStatus aclDestroyTensorList(const aclTensorList* array);

// Executor reuse: aclSetAclOpExecutorRepeatable right after an operator's GetWorkspaceSize keeps
// the executor alive across launches (shapes, dtypes and formats fixed; addresses refreshed by
// index with aclSetInputTensorAddr / aclSetOutputTensorAddr) until aclDestroyAclOpExecutor.
aclnnStatus aclSetAclOpExecutorRepeatable(aclOpExecutor* executor);
aclnnStatus aclDestroyAclOpExecutor(aclOpExecutor* executor);
aclnnStatus aclSetInputTensorAddr(aclOpExecutor* executor, const size_t index, aclTensor* tensor, void* addr);
aclnnStatus aclSetOutputTensorAddr(aclOpExecutor* executor, const size_t index, aclTensor* tensor, void* addr);

#ifdef __cplusplus
}
#endif
#endif
