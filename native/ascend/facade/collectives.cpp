// Tensor parallelism through ATB's AllReduce and AllGather operations, as MindIE runs them, each
// rank on its own device thread of this one process. The params take rank and rankSize of the
// group, commMode COMM_MULTI_THREAD, the backend the caller chose ("hccl" or "lccl"), a commDomain
// naming the group, and hcclComm = the rank's communicator from tna_hccl_init.
// The facade makes that communicator itself (HcclGetRootInfo on rank 0's thread, then
// HcclCommInitRootInfo on every rank's) rather than leaving hcclComm null: with null, ATB's hccl
// runner bootstraps through a named POSIX shared-memory segment ("hcclShareMem" + commDomain) that
// it busy-waits on behind a fixed 600 s barrier, and never destroys the communicator it made; ours
// is destroyed with the group, carries HCCL_EXEC_TIMEOUT, and a failed join reports HCCL's own
// error. ATB's lccl runner ignores hcclComm: it makes its own LCCL communicator from (rank,
// rankSize, commDomain) and keeps it for the life of the process, so each group needs a
// commDomain of its own. The sum runs in the activations' dtype: the compute dtype inside a block
// (fp16 / bf16, as MindIE all-reduces), f32 where the caller hands f32. Nothing synchronises: the
// collective is ordered on the rank's stream like every other operation.
#include <cstdlib>
#include <memory>
#include <string>
#include "internal.h"

using namespace tna;

extern "C" {
size_t tna_hccl_root_info_bytes(void) { return HCCL_ROOT_INFO_BYTES; }

int tna_hccl_root_info(tna_device* d, int exec_timeout_s, void* root_info) {
  return guarded(d, [&] {
    if (!root_info) fail(TNA_E_ARG, "tna_hccl_root_info: root_info is null");
    if (exec_timeout_s > 0 && setenv("HCCL_EXEC_TIMEOUT", std::to_string(exec_timeout_s).c_str(), 1) != 0) {
      fail(TNA_E_ARG, "setenv(HCCL_EXEC_TIMEOUT) failed");
    }
    hccl(HcclGetRootInfo(static_cast<HcclRootInfo*>(root_info)), "HcclGetRootInfo");
  });
}

int tna_hccl_init(tna_device* d, int n_ranks, const void* root_info, int rank, tna_hccl** out) {
  return guarded(d, [&] {
    if (!root_info || !out || n_ranks < 1 || rank < 0 || rank >= n_ranks) {
      fail(TNA_E_ARG,
           "tna_hccl_init: rank " + std::to_string(rank) + " of " + std::to_string(n_ranks) + " or null pointer");
    }
    HcclComm comm = nullptr;
    hccl(HcclCommInitRootInfo(uint32_t(n_ranks), static_cast<const HcclRootInfo*>(root_info), uint32_t(rank), &comm),
         "HcclCommInitRootInfo");
    *out = static_cast<tna_hccl*>(comm);
  });
}

int tna_hccl_destroy(tna_device* d, tna_hccl* c) {
  return guarded(d, [&] { hccl(HcclCommDestroy(static_cast<HcclComm>(c)), "HcclCommDestroy"); });
}

// In place: data [count] = the sum over the ranks. The ATB output is a separate buffer copied back
// on the stream: ATB does not promise an in-place AllReduce (x and output one tensor).
int tna_all_reduce_sum(tna_device* d, const char* backend, int rank, int rank_size, tna_hccl* hccl_comm,
                       const char* comm_domain, void* data, int dt, size_t count) {
  return guarded(d, [&] {
    aclDataType t = floatType(dt);
    std::unique_ptr<atb::infer::AllReduceParam> p =
        groupParam<atb::infer::AllReduceParam>(Group{backend, rank, rank_size, hccl_comm, comm_domain});
    p->allReduceType = "sum";
    size_t bytes = count * esize(t);
    void* sum = tmp(d, bytes);
    std::string name = "AllReduce(" + p->backend + ")";
    runAtb(d, name.c_str(), *p, pack(UnarySlots{tensor(data, t, {int64_t(count)}), tensor(sum, t, {int64_t(count)})}));
    // back into data in rows of at most 4 MiB (aclrtMemcpy2dAsync's width limit is 5000000 bytes, ACL-9)
    const size_t row = size_t(4) << 20;
    size_t rows = bytes / row, rest = bytes % row;
    if (rows > 0) {
      acl(aclrtMemcpy2dAsync(data, row, sum, row, row, rows, ACL_MEMCPY_DEVICE_TO_DEVICE, d->stream),
          "aclrtMemcpy2dAsync(D2D)");
    }
    if (rest > 0) {
      acl(aclrtMemcpy2dAsync(static_cast<char*>(data) + rows * row, rest, static_cast<char*>(sum) + rows * row, rest,
                             rest, 1, ACL_MEMCPY_DEVICE_TO_DEVICE, d->stream),
          "aclrtMemcpy2dAsync(D2D)");
    }
    d->queued = true;
  });
}

int tna_all_gather(tna_device* d, const char* backend, int rank, int rank_size, tna_hccl* hccl_comm,
                   const char* comm_domain, const void* local, int dt, size_t count, void* out) {
  return guarded(d, [&] {
    aclDataType t = floatType(dt);
    Group g{backend, rank, rank_size, hccl_comm, comm_domain};
    std::unique_ptr<atb::infer::AllGatherParam> p = groupParam<atb::infer::AllGatherParam>(g);
    std::string name = "AllGather(" + p->backend + ")";
    runAtb(d, name.c_str(), *p,
           pack(UnarySlots{tensor(local, t, {int64_t(count)}), tensor(out, t, {int64_t(rank_size), int64_t(count)})}));
  });
}

}  // extern "C"
