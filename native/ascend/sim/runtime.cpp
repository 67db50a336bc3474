// Simulated ACL runtime: devices, streams, memory, copies, with ACL's thread binding and error codes.
// Streams queue their work: kernels and asynchronous copies run when the stream is synchronised,
// and a synchronous copy, memset or free that touches memory queued work still uses is refused
// (on a device it would race the kernel). aclInit works once per process and nothing works after
// aclFinalize.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include "sim.h"
#include "tramontane_cpu.h"

namespace tsim {
namespace {
struct Alloc {
  size_t size;
  int device;
};
std::mutex g_mu;
std::map<uintptr_t, Alloc> g_allocs;
std::set<Stream*> g_streams;
size_t g_used[kNumDevices];
enum class AclState { kNever, kInitialised, kFinalised };
std::atomic<AclState> g_state{AclState::kNever};
thread_local int t_device = -1;
thread_local std::string t_err;

bool findRange(const void* p, size_t bytes, Alloc* out, uintptr_t* base) {
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
  auto it = g_allocs.upper_bound(a);
  if (it == g_allocs.begin()) return false;
  --it;
  if (a + bytes > it->first + it->second.size) return false;
  if (out) *out = it->second;
  if (base) *base = it->first;
  return true;
}

// The first queued task (on any stream) that touches the ranges as orderedWithQueues defines; g_mu held.
const Task* conflicting(Range read, Range write, const Stream** on) {
  for (const Stream* s : g_streams)
    for (const Task& t : s->queue) {
      bool hit = false;
      for (const Range& w : t.writes) hit = hit || overlaps(w, read) || overlaps(w, write);
      for (const Range& r : t.reads) hit = hit || overlaps(r, write);
      if (hit) {
        *on = s;
        return &t;
      }
    }
  return nullptr;
}
}  // namespace

void setError(const std::string& msg) { t_err = msg; }
int currentDevice() { return t_device; }

static aclError requireInit(const char* api) {
  AclState st = g_state.load();
  if (st == AclState::kInitialised) return ACL_SUCCESS;
  setError(std::string(api) + (st == AclState::kNever ? ": aclInit has not been called"
                                                      : ": called after aclFinalize (ACL cannot be used again in this process)"));
  return ACL_ERROR_UNINITIALIZE;
}

aclError requireDevice(const char* api) {
  if (aclError e = requireInit(api)) return e;
  if (t_device < 0) {
    setError(std::string(api) + ": no device context on this thread (call aclrtSetDevice on it first)");
    return ACL_ERROR_RT_CONTEXT_NULL;
  }
  return ACL_SUCCESS;
}

bool isDeviceRange(const void* p, size_t bytes) {
  std::lock_guard<std::mutex> l(g_mu);
  return findRange(p, bytes, nullptr, nullptr);
}

Stream* streamOf(aclrtStream s) {
  std::lock_guard<std::mutex> l(g_mu);
  Stream* st = static_cast<Stream*>(s);
  return g_streams.count(st) ? st : nullptr;
}

void enqueue(Stream* s, Task t) {
  std::lock_guard<std::mutex> l(g_mu);
  s->queue.push_back(std::move(t));
}

void drain(Stream* s) {
  for (;;) {
    std::function<void(Stream*)> run;
    {
      std::lock_guard<std::mutex> l(g_mu);
      if (s->queue.empty()) return;
      run = s->queue.front().run;
    }
    // the task stays queued while it runs, so its ranges still conflict with other threads' calls
    run(s);
    std::lock_guard<std::mutex> l(g_mu);
    s->queue.pop_front();
  }
}

aclError orderedWithQueues(const char* api, Range read, Range write) {
  std::lock_guard<std::mutex> l(g_mu);
  const Stream* on = nullptr;
  const Task* t = conflicting(read, write, &on);
  if (!t) return ACL_SUCCESS;
  setError(std::string(api) + ": touches device memory that " + t->what + ", queued on device " +
           std::to_string(on->device) + "'s stream and not yet synchronised, still uses (a synchronous call does not "
           "wait for the stream: synchronise it first, or queue the copy on the stream)");
  return ACL_ERROR_RT_PARAM_INVALID;
}

void kernelFault(Stream* s, const std::string& what) {
  if (s->pendingError == 0) {
    s->pendingError = ACL_ERROR_RT_AICORE_EXCEPTION;
    s->pendingMsg = what;
  }
}

int tnDtype(aclDataType d) {
  switch (d) {
    case ACL_FLOAT: return TN_F32;
    case ACL_FLOAT16: return TN_F16;
    case ACL_BF16: return TN_BF16;
    default: return -1;
  }
}

size_t dtypeBytes(aclDataType d) {
  switch (d) {
    case ACL_FLOAT: case ACL_INT32: case ACL_UINT32: return 4;
    case ACL_FLOAT16: case ACL_BF16: case ACL_INT16: case ACL_UINT16: return 2;
    case ACL_INT8: case ACL_UINT8: case ACL_BOOL: return 1;
    case ACL_INT64: case ACL_UINT64: case ACL_DOUBLE: return 8;
    default: return 0;
  }
}

float loadFloat(const void* base, aclDataType d, size_t i) {
  float f;
  tn_convert(static_cast<const char*>(base) + i * dtypeBytes(d), tnDtype(d), &f, TN_F32, 1);
  return f;
}

void storeFloat(void* base, aclDataType d, size_t i, float v) {
  tn_convert(&v, TN_F32, static_cast<char*>(base) + i * dtypeBytes(d), tnDtype(d), 1);
}
}  // namespace tsim

using namespace tsim;

extern "C" {

// ACL-1: once per process; a repeated call answers ACL_ERROR_REPEAT_INITIALIZE (the caller may
// carry on). ACL-3: after aclFinalize nothing works, aclInit included.
aclError aclInit(const char*) {
  AclState expected = AclState::kNever;
  if (g_state.compare_exchange_strong(expected, AclState::kInitialised)) return ACL_SUCCESS;
  if (expected == AclState::kInitialised) {
    setError("aclInit: already initialised in this process");
    return ACL_ERROR_REPEAT_INITIALIZE;
  }
  setError("aclInit: called after aclFinalize (ACL cannot be initialised again in this process)");
  return ACL_ERROR_UNINITIALIZE;
}

aclError aclFinalize(void) {
  AclState expected = AclState::kInitialised;
  if (!g_state.compare_exchange_strong(expected, AclState::kFinalised)) return requireInit("aclFinalize");
  return ACL_SUCCESS;
}

aclError aclrtSetDevice(int32_t deviceId) {
  if (aclError e = requireInit("aclrtSetDevice")) return e;
  if (deviceId < 0 || deviceId >= kNumDevices) {
    setError("aclrtSetDevice: device " + std::to_string(deviceId) + " does not exist");
    return ACL_ERROR_RT_INVALID_DEVICEID;
  }
  t_device = deviceId;
  return ACL_SUCCESS;
}

aclError aclrtResetDevice(int32_t deviceId) {
  if (deviceId < 0 || deviceId >= kNumDevices) return ACL_ERROR_RT_INVALID_DEVICEID;
  if (t_device == deviceId) t_device = -1;
  return ACL_SUCCESS;
}

aclError aclrtGetDevice(int32_t* deviceId) {
  if (aclError e = requireDevice("aclrtGetDevice")) return e;
  if (!deviceId) return ACL_ERROR_INVALID_PARAM;
  *deviceId = t_device;
  return ACL_SUCCESS;
}

aclError aclrtGetDeviceCount(uint32_t* count) {
  if (!count) return ACL_ERROR_INVALID_PARAM;
  *count = kNumDevices;
  return ACL_SUCCESS;
}

aclError aclrtCreateStream(aclrtStream* stream) {
  if (aclError e = requireDevice("aclrtCreateStream")) return e;
  if (!stream) return ACL_ERROR_INVALID_PARAM;
  Stream* s = new Stream();
  s->device = t_device;
  std::lock_guard<std::mutex> l(g_mu);
  g_streams.insert(s);
  *stream = s;
  return ACL_SUCCESS;
}

// ACL-12: the caller synchronises the stream before destroying it.
aclError aclrtDestroyStream(aclrtStream stream) {
  if (aclError e = requireDevice("aclrtDestroyStream")) return e;
  std::lock_guard<std::mutex> l(g_mu);
  Stream* s = static_cast<Stream*>(stream);
  if (!g_streams.count(s)) return ACL_ERROR_RT_PARAM_INVALID;
  if (!s->queue.empty()) {
    setError("aclrtDestroyStream: " + std::to_string(s->queue.size()) + " tasks still queued (synchronise the stream first)");
    return ACL_ERROR_RT_PARAM_INVALID;
  }
  g_streams.erase(s);
  delete s;
  return ACL_SUCCESS;
}

aclError aclrtSynchronizeStream(aclrtStream stream) {
  if (aclError e = requireDevice("aclrtSynchronizeStream")) return e;
  Stream* s = streamOf(stream);
  if (!s) {
    setError("aclrtSynchronizeStream: not a stream");
    return ACL_ERROR_RT_PARAM_INVALID;
  }
  if (s->device != t_device) {
    setError("aclrtSynchronizeStream: stream belongs to device " + std::to_string(s->device));
    return ACL_ERROR_RT_STREAM_CONTEXT;
  }
  drain(s);
  if (s->pendingError) {
    int e = s->pendingError;
    setError("aclrtSynchronizeStream: kernel fault: " + s->pendingMsg);
    s->pendingError = 0;
    s->pendingMsg.clear();
    return e;
  }
  return ACL_SUCCESS;
}

aclError aclrtMalloc(void** devPtr, size_t size, aclrtMemMallocPolicy) {
  if (aclError e = requireDevice("aclrtMalloc")) return e;
  if (!devPtr || size == 0) {
    setError("aclrtMalloc: null pointer or size 0");
    return ACL_ERROR_INVALID_PARAM;
  }
  std::lock_guard<std::mutex> l(g_mu);
  if (size > kHbmBytes - g_used[t_device]) {
    setError("aclrtMalloc: " + std::to_string(size) + " bytes exceed the free HBM of device " +
             std::to_string(t_device) + " (" + std::to_string(kHbmBytes - g_used[t_device]) + " bytes)");
    return ACL_ERROR_RT_MEMORY_ALLOCATION;
  }
  size_t rounded = (size + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded);
  if (!p) {
    setError("aclrtMalloc: host memory backing the simulated HBM is exhausted");
    return ACL_ERROR_RT_MEMORY_ALLOCATION;
  }
  std::memset(p, 0xff, rounded);  // device memory is not zeroed: make reads of unwritten memory NaN
  g_allocs[reinterpret_cast<uintptr_t>(p)] = Alloc{size, t_device};
  g_used[t_device] += size;
  *devPtr = p;
  return ACL_SUCCESS;
}

aclError aclrtFree(void* devPtr) {
  if (aclError e = requireDevice("aclrtFree")) return e;
  std::lock_guard<std::mutex> l(g_mu);
  auto it = g_allocs.find(reinterpret_cast<uintptr_t>(devPtr));
  if (it == g_allocs.end()) {
    setError("aclrtFree: not a device allocation");
    return ACL_ERROR_RT_PARAM_INVALID;
  }
  // ACL-6: aclrtFree does not wait for queued tasks that still use the memory
  const Stream* on = nullptr;
  if (const Task* t = conflicting(Range{}, byteRange(devPtr, it->second.size), &on)) {
    setError("aclrtFree: " + t->what + ", queued on device " + std::to_string(on->device) +
             "'s stream and not yet synchronised, still uses this memory (synchronise the stream first)");
    return ACL_ERROR_RT_PARAM_INVALID;
  }
  g_used[it->second.device] -= it->second.size;
  g_allocs.erase(it);
  std::free(devPtr);
  return ACL_SUCCESS;
}

static aclError checkKind(const char* api, void* dst, size_t dstBytes, const void* src, size_t srcBytes,
                          aclrtMemcpyKind kind) {
  bool dDev = isDeviceRange(dst, dstBytes), sDev = isDeviceRange(src, srcBytes);
  bool ok = false;
  switch (kind) {
    case ACL_MEMCPY_HOST_TO_HOST: ok = !dDev && !sDev; break;
    case ACL_MEMCPY_HOST_TO_DEVICE: ok = dDev && !sDev; break;
    case ACL_MEMCPY_DEVICE_TO_HOST: ok = !dDev && sDev; break;
    case ACL_MEMCPY_DEVICE_TO_DEVICE: ok = dDev && sDev; break;
    default: ok = false;
  }
  if (!ok) {
    setError(std::string(api) + ": pointers do not match copy kind " + std::to_string(kind) +
             " (or a device range exceeds its allocation)");
    return ACL_ERROR_RT_PARAM_INVALID;
  }
  return ACL_SUCCESS;
}

aclError aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind) {
  if (aclError e = requireDevice("aclrtMemcpy")) return e;
  if (count > destMax || !dst || !src) {
    setError("aclrtMemcpy: count exceeds destMax or null pointer");
    return ACL_ERROR_RT_PARAM_INVALID;
  }
  if (count == 0) return ACL_SUCCESS;
  if (aclError e = checkKind("aclrtMemcpy", dst, count, src, count, kind)) return e;
  if (aclError e = orderedWithQueues("aclrtMemcpy", byteRange(src, count), byteRange(dst, count))) return e;
  std::memmove(dst, src, count);
  return ACL_SUCCESS;
}

namespace {
// Pitches, width and height of a 2-D copy, and its byte spans; ACL_ERROR_INVALID_PARAM when the
// sizes break ACL-9's limits (which aclrtMemcpy2d shares: width within both pitches, height rows).
aclError check2d(const char* api, const void* dst, size_t dpitch, const void* src, size_t spitch, size_t width,
                 size_t height, size_t* dBytes, size_t* sBytes) {
  if (!dst || !src || width == 0 || width > dpitch || width > spitch || width > 5000000 || height == 0 ||
      height > 5242880) {
    setError(std::string(api) + ": width must be in (0, 5000000] and within both pitches, height in (0, 5242880]");
    return ACL_ERROR_INVALID_PARAM;
  }
  *dBytes = dpitch * (height - 1) + width;
  *sBytes = spitch * (height - 1) + width;
  return ACL_SUCCESS;
}

void copy2d(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height) {
  for (size_t r = 0; r < height; r++) {
    std::memmove(static_cast<char*>(dst) + r * dpitch, static_cast<const char*>(src) + r * spitch, width);
  }
}
}  // namespace

// ACL-8: host-to-device and device-to-host only; synchronous, so it must not race queued work.
aclError aclrtMemcpy2d(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                       aclrtMemcpyKind kind) {
  if (aclError e = requireDevice("aclrtMemcpy2d")) return e;
  if (kind != ACL_MEMCPY_HOST_TO_DEVICE && kind != ACL_MEMCPY_DEVICE_TO_HOST) {
    setError("aclrtMemcpy2d: copy kind " + std::to_string(kind) +
             " is not supported (HOST_TO_DEVICE and DEVICE_TO_HOST only; aclrtMemcpy2dAsync copies device to device)");
    return ACL_ERROR_INVALID_PARAM;
  }
  size_t dBytes = 0, sBytes = 0;
  if (aclError e = check2d("aclrtMemcpy2d", dst, dpitch, src, spitch, width, height, &dBytes, &sBytes)) return e;
  if (aclError e = checkKind("aclrtMemcpy2d", dst, dBytes, src, sBytes, kind)) return e;
  if (aclError e = orderedWithQueues("aclrtMemcpy2d", byteRange(src, sBytes), byteRange(dst, dBytes))) return e;
  copy2d(dst, dpitch, src, spitch, width, height);
  return ACL_SUCCESS;
}

// ACL-9: H2D, D2H and D2D. A device-to-device copy is queued on the stream; with (pageable) host
// memory on one side the call returns only after the copy, which comes after the stream's queue.
aclError aclrtMemcpy2dAsync(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                            aclrtMemcpyKind kind, aclrtStream stream) {
  const char* api = "aclrtMemcpy2dAsync";
  if (aclError e = requireDevice(api)) return e;
  if (kind != ACL_MEMCPY_HOST_TO_DEVICE && kind != ACL_MEMCPY_DEVICE_TO_HOST && kind != ACL_MEMCPY_DEVICE_TO_DEVICE) {
    setError(std::string(api) + ": copy kind " + std::to_string(kind) + " is not supported (H2D, D2H, D2D)");
    return ACL_ERROR_INVALID_PARAM;
  }
  Stream* s = streamOf(stream);
  if (!s || s->device != t_device) {
    setError(std::string(api) + ": not a stream of this thread's device");
    return ACL_ERROR_RT_STREAM_CONTEXT;
  }
  size_t dBytes = 0, sBytes = 0;
  if (aclError e = check2d(api, dst, dpitch, src, spitch, width, height, &dBytes, &sBytes)) return e;
  if (aclError e = checkKind(api, dst, dBytes, src, sBytes, kind)) return e;
  if (kind != ACL_MEMCPY_DEVICE_TO_DEVICE) {
    drain(s);
    copy2d(dst, dpitch, src, spitch, width, height);
    return ACL_SUCCESS;
  }
  enqueue(s, Task{"aclrtMemcpy2dAsync", {byteRange(src, sBytes)}, {byteRange(dst, dBytes)},
                  [=](Stream*) { copy2d(dst, dpitch, src, spitch, width, height); }});
  return ACL_SUCCESS;
}

aclError aclrtMemset(void* devPtr, size_t maxCount, int32_t value, size_t count) {
  if (aclError e = requireDevice("aclrtMemset")) return e;
  if (count > maxCount || !isDeviceRange(devPtr, count)) {
    setError("aclrtMemset: not a device range or count exceeds maxCount");
    return ACL_ERROR_RT_PARAM_INVALID;
  }
  if (aclError e = orderedWithQueues("aclrtMemset", Range{}, byteRange(devPtr, count))) return e;
  std::memset(devPtr, value, count);
  return ACL_SUCCESS;
}

aclError aclrtGetMemInfo(aclrtMemAttr, size_t* free, size_t* total) {
  if (aclError e = requireDevice("aclrtGetMemInfo")) return e;
  std::lock_guard<std::mutex> l(g_mu);
  *total = kHbmBytes;
  *free = kHbmBytes - g_used[t_device];
  return ACL_SUCCESS;
}

const char* aclGetRecentErrMsg(void) { return t_err.empty() ? nullptr : t_err.c_str(); }

}  // extern "C"
