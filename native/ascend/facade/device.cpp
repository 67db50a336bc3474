// The device's lifetime and memory: aclInit once per process, then per device its thread binding
// (aclrtSetDevice), stream and ATB context; allocation and copies; aclFinalize once at exit.
#include <mutex>
#include <vector>
#include "internal.h"
#include "tramontane_cpu.h"

using namespace tna;

namespace {
// ACL-1 / ACL-3: aclInit may run once per process and nothing works after aclFinalize, so devices
// that close never finalise; ACL_ERROR_REPEAT_INITIALIZE means another library of the process
// initialised ACL first, which serves as well (that library then owns aclFinalize).
std::mutex g_acl_mu;
bool g_acl_tried = false;
aclError g_acl_status = ACL_SUCCESS;
bool g_acl_ours = false;      // our aclInit succeeded: tna_finalize finalises
bool g_acl_finalised = false;

aclError initAclOnce() {
  std::lock_guard<std::mutex> l(g_acl_mu);
  if (g_acl_finalised) return ACL_ERROR_UNINITIALIZE;
  if (!g_acl_tried) {
    g_acl_tried = true;
    aclError e = aclInit(nullptr);
    g_acl_ours = e == ACL_SUCCESS;
    g_acl_status = e == ACL_ERROR_REPEAT_INITIALIZE ? ACL_SUCCESS : e;
  }
  return g_acl_status;
}
}  // namespace

extern "C" {

int tna_is_simulator(void) {
#ifdef TRAMONTANE_ASCEND_SIM
  return 1;
#else
  return 0;
#endif
}

const char* tna_last_error(void) { return lastError().c_str(); }

int tna_finalize(void) {
  std::lock_guard<std::mutex> l(g_acl_mu);
  if (!g_acl_ours || g_acl_finalised) return TNA_OK;
  g_acl_finalised = true;
  return aclFinalize();
}

tna_device* tna_open(int device_id, int* status) {
  tna_device* d = new tna_device();
  d->id = device_id;
  int rc = guarded(d, [&] {
    if (const char* abi = tna_cxx_abi_refusal(nullptr); *abi) fail(TNA_E_CXX_ABI, abi);
    acl(initAclOnce(), "aclInit");
    acl(aclrtSetDevice(device_id), "aclrtSetDevice");
    acl(aclrtCreateStream(&d->stream), "aclrtCreateStream");
    atbCheck(atb::CreateContext(&d->ctx), "Context", "CreateContext");
    atbCheck(d->ctx->SetExecuteStream(d->stream), "Context", "SetExecuteStream");
  });
  if (status) *status = rc;
  if (rc == TNA_OK) return d;
  if (d->ctx) atb::DestroyContext(d->ctx);
  if (d->stream) aclrtDestroyStream(d->stream);
  delete d;
  return nullptr;
}

int tna_close(tna_device* d) {
  int rc = guarded(d, [&] {
    aclError e = aclrtSynchronizeStream(d->stream);
    releasePending(d);
    freeTmpBlocks(d);
    for (void*& m : d->mask)
      if (m) aclrtFree(m), m = nullptr;
    atb::DestroyContext(d->ctx);
    aclrtDestroyStream(d->stream);
    aclrtResetDevice(d->id);
    acl(e, "aclrtSynchronizeStream");
  });
  delete d;
  return rc;
}

int tna_malloc(tna_device* d, size_t bytes, void** out) {
  return guarded(d, [&] { deviceMalloc(d, out, bytes); });
}
// aclrtFree does not wait for queued kernels that use the memory (ACL-6): the stream first.
int tna_free(tna_device* d, void* p) {
  return guarded(d, [&] {
    settle(d);
    acl(aclrtFree(p), "aclrtFree");
  });
}
// aclrtMemset and aclrtMemcpy do not wait for the stream (ACL-7, ACL-10): when work is queued, the
// stream first (the first upload of a step follows the last step's logits read, so it rarely syncs).
int tna_memset_zero(tna_device* d, void* p, size_t bytes) {
  return guarded(d, [&] {
    settle(d);
    acl(aclrtMemset(p, bytes, 0, bytes), "aclrtMemset");
  });
}
int tna_upload(tna_device* d, void* dst, const void* src, size_t bytes) {
  return guarded(d, [&] {
    settle(d);
    acl(aclrtMemcpy(dst, bytes, src, bytes, ACL_MEMCPY_HOST_TO_DEVICE), "aclrtMemcpy(H2D)");
  });
}
int tna_download(tna_device* d, void* dst, const void* src, size_t bytes) {
  return guarded(d, [&] {
    settle(d);
    acl(aclrtMemcpy(dst, bytes, src, bytes, ACL_MEMCPY_DEVICE_TO_HOST), "aclrtMemcpy(D2H)");
  });
}
int tna_copy(tna_device* d, void* dst, const void* src, size_t bytes) {
  return guarded(d, [&] {
    settle(d);
    acl(aclrtMemcpy(dst, bytes, src, bytes, ACL_MEMCPY_DEVICE_TO_DEVICE), "aclrtMemcpy(D2D)");
  });
}
int tna_counters(tna_device* d, tna_device_counters* out) {
  return guarded(d, [&] {
    if (!out) fail(TNA_E_ARG, "tna_counters: out is null");
    *out = d->counters;
  });
}

int tna_sync(tna_device* d) {
  return guarded(d, [&] { finish(d); });
}

int tna_fill_random(tna_device* d, void* dst, int dtype, uint64_t seed, float scale, const int64_t* run_starts,
                    size_t num_runs, size_t run_elems) {
  return guarded(d, [&] {
    int tn = dtype == ACL_FLOAT ? TN_F32 : dtype == ACL_FLOAT16 ? TN_F16 : dtype == ACL_BF16 ? TN_BF16 : -1;
    if (tn < 0) fail(TNA_E_ARG, "tna_fill_random: float dtypes only");
    size_t bytes = num_runs * run_elems * esize(aclDataType(dtype));
    std::vector<char> host(bytes);
    if (tn_fill_random_runs(host.data(), tn, seed, scale, run_starts, num_runs, run_elems) != TN_OK) {
      fail(TNA_E_ARG, "tn_fill_random_runs failed");
    }
    settle(d);
    acl(aclrtMemcpy(dst, bytes, host.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE), "aclrtMemcpy(H2D)");
  });
}
}  // extern "C"
