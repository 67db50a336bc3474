// Simulated ACL runtime: devices, streams, memory, copies, with ACL's thread binding and error codes.
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
std::atomic<bool> g_init{false};
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
}  // namespace

void setError(const std::string& msg) { t_err = msg; }
int currentDevice() { return t_device; }

aclError requireDevice(const char* api) {
  if (!g_init.load()) {
    setError(std::string(api) + ": aclInit has not been called");
    return ACL_ERROR_UNINITIALIZE;
  }
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

aclError aclInit(const char*) {
  bool expected = false;
  if (!g_init.compare_exchange_strong(expected, true)) {
    setError("aclInit: already initialised");
    return ACL_ERROR_REPEAT_INITIALIZE;
  }
  return ACL_SUCCESS;
}

aclError aclFinalize(void) {
  bool expected = true;
  if (!g_init.compare_exchange_strong(expected, false)) {
    setError("aclFinalize: aclInit has not been called");
    return ACL_ERROR_UNINITIALIZE;
  }
  return ACL_SUCCESS;
}

aclError aclrtSetDevice(int32_t deviceId) {
  if (!g_init.load()) {
    setError("aclrtSetDevice: aclInit has not been called");
    return ACL_ERROR_UNINITIALIZE;
  }
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

aclError aclrtDestroyStream(aclrtStream stream) {
  if (aclError e = requireDevice("aclrtDestroyStream")) return e;
  std::lock_guard<std::mutex> l(g_mu);
  Stream* s = static_cast<Stream*>(stream);
  if (!g_streams.erase(s)) return ACL_ERROR_RT_PARAM_INVALID;
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
  std::memmove(dst, src, count);
  return ACL_SUCCESS;
}

aclError aclrtMemcpy2d(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                       aclrtMemcpyKind kind) {
  if (aclError e = requireDevice("aclrtMemcpy2d")) return e;
  if (!dst || !src || width > dpitch || width > spitch || height == 0 || height > 5242880) {
    setError("aclrtMemcpy2d: width exceeds a pitch, or bad height/pointer");
    return ACL_ERROR_RT_PARAM_INVALID;
  }
  size_t dBytes = dpitch * (height - 1) + width, sBytes = spitch * (height - 1) + width;
  if (aclError e = checkKind("aclrtMemcpy2d", dst, dBytes, src, sBytes, kind)) return e;
  for (size_t r = 0; r < height; r++) {
    std::memmove(static_cast<char*>(dst) + r * dpitch, static_cast<const char*>(src) + r * spitch, width);
  }
  return ACL_SUCCESS;
}

aclError aclrtMemset(void* devPtr, size_t maxCount, int32_t value, size_t count) {
  if (aclError e = requireDevice("aclrtMemset")) return e;
  if (count > maxCount || !isDeviceRange(devPtr, count)) {
    setError("aclrtMemset: not a device range or count exceeds maxCount");
    return ACL_ERROR_RT_PARAM_INVALID;
  }
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
