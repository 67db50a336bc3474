// Deliberate misuses of the Ascend runtime, for the tests of its refusals. Built only for the tests
// (a library of its own, linked to the facade's JNI library): the shipped facade carries none.
// Each returns the status of the refused call, with tna_last_error() naming it.
#ifndef TRAMONTANE_ASCEND_PROBES_H
#define TRAMONTANE_ASCEND_PROBES_H
#include <stddef.h>
#include "tramontane_ascend.h"
#ifdef __cplusplus
extern "C" {
#endif

// Executes a Linear with one byte less workspace than its Setup asked for.
int tnp_short_workspace(tna_device* d);
// Runs PagedAttention with contextLens lacking hostData.
int tnp_context_lens_without_host_data(tna_device* d);
// The all-reduce of tna_all_reduce_sum with what the tests misuse: allReduceType, the aclDataType
// the bytes of data are described as, and `withhold` bytes less workspace than Setup asked for.
int tnp_all_reduce(tna_device* d, const char* backend, int rank, int rank_size, tna_hccl* hccl_comm,
                   const char* comm_domain, const char* all_reduce_type, int dtype, void* data, size_t bytes,
                   size_t withhold);

#ifdef __cplusplus
}
#endif
#endif
