// Internal state of the CPU simulator of the Ascend runtime (ACL), ATB and aclnn subset declared in
// native/ascend/include. "Device memory" is host memory registered per device; every call checks
// what the device checks (thread bound to a device, pointer kinds, sizes, host data, workspace).
#ifndef TRAMONTANE_ASCEND_SIM_H
#define TRAMONTANE_ASCEND_SIM_H
#include <cstddef>
#include <cstdint>
#include <string>
#include "acl/acl.h"

namespace tsim {
constexpr int kNumDevices = 8;                          // an Atlas 800I A2 node
constexpr size_t kHbmBytes = size_t(64) << 30;          // per device

struct Stream {
  int device;
  int pendingError = 0;       // a kernel fault, reported by the next aclrtSynchronizeStream
  std::string pendingMsg;
};

// Recent error text of this thread (aclGetRecentErrMsg).
void setError(const std::string& msg);
// ACL_SUCCESS, or ACL_ERROR_RT_CONTEXT_NULL when the calling thread has not called aclrtSetDevice.
aclError requireDevice(const char* api);
int currentDevice();
// Whether [p, p + bytes) lies inside one live device allocation.
bool isDeviceRange(const void* p, size_t bytes);
Stream* streamOf(aclrtStream s);  // nullptr if not a live stream
// Records an asynchronous kernel fault on a stream (507015, surfaces at the next sync).
void kernelFault(Stream* s, const std::string& what);

int tnDtype(aclDataType d);  // native/cpu dtype code, -1 if not a float type
size_t dtypeBytes(aclDataType d);
float loadFloat(const void* base, aclDataType d, size_t i);
void storeFloat(void* base, aclDataType d, size_t i, float v);
}  // namespace tsim
#endif
