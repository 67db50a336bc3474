// Internal state of the CPU simulator of the Ascend runtime (ACL), ATB and aclnn subset declared in
// native/ascend/include. "Device memory" is host memory registered per device; every call checks
// what the device checks (thread bound to a device, pointer kinds, sizes, host data, workspace).
#ifndef TRAMONTANE_ASCEND_SIM_H
#define TRAMONTANE_ASCEND_SIM_H
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>
#include "acl/acl.h"
#include "hccl/hccl_types.h"

namespace tsim {
constexpr int kNumDevices = 8;                          // an Atlas 800I A2 node
constexpr size_t kHbmBytes = size_t(64) << 30;          // per device

// A device byte range [lo, hi) a queued task reads or writes.
struct Range {
  uintptr_t lo = 0, hi = 0;
};
inline Range byteRange(const void* p, size_t bytes) {
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
  return Range{a, a + bytes};
}
inline bool overlaps(const Range& a, const Range& b) { return a.lo < b.hi && b.lo < a.hi; }

struct Stream;
// Work queued on a stream: it runs, in order, when the host synchronises the stream (ACL-11), so
// results are not visible to the host before then; `reads` / `writes` are what it touches.
struct Task {
  std::string what;
  std::vector<Range> reads, writes;
  std::function<void(Stream*)> run;
};

struct Stream {
  int device;
  int pendingError = 0;       // a kernel fault, reported by the next aclrtSynchronizeStream
  std::string pendingMsg;
  std::deque<Task> queue;     // launched, not yet run
};

// Recent error text of this thread (aclGetRecentErrMsg).
void setError(const std::string& msg);
// ACL_SUCCESS, or ACL_ERROR_RT_CONTEXT_NULL when the calling thread has not called aclrtSetDevice.
aclError requireDevice(const char* api);
int currentDevice();
// Whether [p, p + bytes) lies inside one live device allocation.
bool isDeviceRange(const void* p, size_t bytes);
Stream* streamOf(aclrtStream s);  // nullptr if not a live stream
// Queues t on s (kernels, aclrtMemcpy2dAsync D2D).
void enqueue(Stream* s, Task t);
// Runs everything queued on s, in order (a sync, or an operation that must see its inputs now).
void drain(Stream* s);
// ACL_SUCCESS unless a task queued on some stream and not yet synchronised writes `read`, or reads
// or writes `write`: a synchronous host call touching that memory would race the kernel (ACL-7,
// ACL-10). Either range may be empty.
aclError orderedWithQueues(const char* api, Range read, Range write);
// Records an asynchronous kernel fault on a stream (507015, surfaces at the next sync).
void kernelFault(Stream* s, const std::string& what);

// Collectives (hccl.cpp). The HCCL communicators and the thread communicators that model ATB's
// LCCL runner share one rendezvous: the ranks meet, must agree, f32 sum in rank order,
// HCCL_EXEC_TIMEOUT, a failed collective breaks the group.
// The communicator of rank `rank` of the nRanks device threads naming `domain` (LcalCommInitThread's
// role in ATB's LCCL runner): made on a rank's first call from its device thread, returned again on
// later calls; it does not wait for the other ranks (a missing rank shows as the first collective's
// timeout). HCCL_EXEC_TIMEOUT is read when it is made.
HcclResult threadCommInit(const char* api, uint32_t rank, uint32_t nRanks, const std::string& domain, HcclComm* comm);
// HcclAllReduce (gather = false) or HcclAllGather (gather = true) on any live communicator, errors
// naming `api`.
HcclResult runCollective(const char* api, bool gather, HcclComm comm, const void* send, void* recv, uint64_t count,
                         HcclDataType dataType, HcclReduceOp op, aclrtStream stream);
uint32_t commRankSize(HcclComm comm);  // 0 if not a live communicator

int tnDtype(aclDataType d);  // native/cpu dtype code, -1 if not a float type
size_t dtypeBytes(aclDataType d);
float loadFloat(const void* base, aclDataType d, size_t i);
void storeFloat(void* base, aclDataType d, size_t i, float v);
}  // namespace tsim
#endif
