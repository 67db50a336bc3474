// The C++ side of the facade: builds ATB params with `new` (defaults apply), fills VariantPacks
// through one named-slot struct per operation, runs the aclnn two-phase calls, keeps workspaces
// and temporaries alive until the stream is synchronised, and turns every status and every C++
// exception into a code plus a message naming the API.
#include <atomic>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "aclnnop/aclnn_dynamic_quant.h"
#include "aclnnop/aclnn_grouped_matmul_v4.h"
#include "aclnnop/aclnn_moe_gating_top_k_softmax.h"
#include "aclnnop/aclnn_moe_init_routing_v2.h"
#include "aclnnop/aclnn_moe_token_unpermute.h"
#include "aclnnop/aclnn_quant_matmul_v4.h"
#include "atb/atb_infer.h"
#include "hccl/hccl.h"
#include "tramontane_ascend.h"
#include "tramontane_cpu.h"

struct tna_device {
  int id = -1;
  aclrtStream stream = nullptr;
  atb::Context* ctx = nullptr;
  std::vector<void*> pendingMem;              // workspaces and temporaries, freed after the sync
  std::vector<atb::Operation*> pendingOps;
  std::vector<aclTensor*> pendingTensors;
  std::vector<aclTensorList*> pendingLists;
  void* mask[2] = {nullptr, nullptr};         // [128, 128] triu masks (fp16, bf16)
};

namespace {
thread_local std::string t_err;
std::mutex g_init_mu;
int g_open = 0;

struct Fail {
  int code;
};

const char* atbName(int s) {
  static const char* names[] = {"NO_ERROR", "INVALID_PARAM", "INVALID_GRAPH", "INTERNAL_ERROR", "RT_FAIL",
                                "INVALID_IN_TENSOR_NUM", "INVALID_TENSOR_DTYPE", "INVALID_TENSOR_FORMAT",
                                "INVALID_TENSOR_DIM", "INVALID_TENSOR_SIZE", "OPERATION_NULL_RUNNER",
                                "GRAPH_INFERSHAPE_FUNC_FAIL", "CANN_ERROR", "INVALID_TENSOR_INI_MATCH",
                                "INVALID_TENSOR_ADDR", "INVALID_TENSOR_NUM", "INVALID_TENSOR_DIM_NUM",
                                "INVALID_SINGLE_OPERATION_PARAM", "GRAPH_NODE_RESHAPE_FUNC_FAIL",
                                "INVALID_GRAPH_NODE_CHUNK", "INVALID_CONTEXT_ADDR", "INVALID_STREAM",
                                "INVALID_WORKSPACE_SIZE", "INVALID_WORKSPACE_ADDR", "INVALID_OPERATION_ADDR",
                                "HCCL_FAIL", "OUT_OF_DEVICE_MEMORY", "OUT_OF_HOST_MEMORY", "COMM_EMPTY",
                                "COPY_HOST_MEMORY_FAIL"};
  return s >= 0 && s < 30 ? names[s] : "?";
}

const char* aclName(int e) {
  switch (e) {
    case 100000: return "ACL_ERROR_INVALID_PARAM";
    case 100001: return "ACL_ERROR_UNINITIALIZE";
    case 100002: return "ACL_ERROR_REPEAT_INITIALIZE";
    case 107000: return "ACL_ERROR_RT_PARAM_INVALID";
    case 107001: return "ACL_ERROR_RT_INVALID_DEVICEID";
    case 107002: return "ACL_ERROR_RT_CONTEXT_NULL";
    case 107003: return "ACL_ERROR_RT_STREAM_CONTEXT";
    case 207001: return "ACL_ERROR_RT_MEMORY_ALLOCATION";
    case 207004: return "ACL_ERROR_RT_NO_DEVICE";
    case 507014: return "ACL_ERROR_RT_AICORE_TIMEOUT";
    case 507015: return "ACL_ERROR_RT_AICORE_EXCEPTION";
    case 507899: return "ACL_ERROR_RT_DRV_INTERNAL_ERROR";
    default: return "ACL error";
  }
}

std::string recent() {
  const char* m = aclGetRecentErrMsg();
  return m && *m ? std::string(": ") + m : std::string();
}

void acl(aclError e, const char* api) {
  if (e == ACL_SUCCESS) return;
  t_err = std::string(api) + " returned " + std::to_string(e) + " (" + aclName(e) + ")" + recent();
  throw Fail{e};
}

void atbCheck(atb::Status s, const char* op, const char* phase) {
  if (s == atb::NO_ERROR) return;
  t_err = std::string("ATB ") + op + " " + phase + " returned " + std::to_string(s) + " (ERROR_" + atbName(s) + ")" +
          recent();
  throw Fail{s};
}

const char* hcclName(int r) {
  static const char* names[] = {"HCCL_SUCCESS", "HCCL_E_PARA", "HCCL_E_PTR", "HCCL_E_MEMORY", "HCCL_E_INTERNAL",
                                "HCCL_E_NOT_SUPPORT", "HCCL_E_NOT_FOUND", "HCCL_E_UNAVAIL", "HCCL_E_SYSCALL",
                                "HCCL_E_TIMEOUT", "HCCL_E_OPEN_FILE_FAILURE", "HCCL_E_TCP_CONNECT",
                                "HCCL_E_ROCE_CONNECT", "HCCL_E_TCP_TRANSFER", "HCCL_E_ROCE_TRANSFER",
                                "HCCL_E_RUNTIME", "HCCL_E_DRV", "HCCL_E_PROFILING", "HCCL_E_CCE", "HCCL_E_NETWORK",
                                "HCCL_E_AGAIN", "HCCL_E_REMOTE"};
  return r >= 0 && r < 22 ? names[r] : "HcclResult";
}

void hccl(HcclResult r, const char* api) {
  if (r == HCCL_SUCCESS) return;
  t_err = std::string(api) + " returned " + std::to_string(int(r)) + " (" + hcclName(int(r)) + ")" + recent();
  throw Fail{int(r)};
}

// Runs one facade call: exceptions and failures become a status; temporaries are released.
template <class F>
int guarded(tna_device* d, F&& body) {
  if (!d) {
    t_err = "null device handle";
    return TNA_E_ARG;
  }
  int rc = TNA_OK;
  try {
    body();
  } catch (const Fail& f) {
    rc = f.code;
  } catch (const std::exception& e) {
    t_err = std::string("C++ exception: ") + e.what();
    rc = TNA_E_EXCEPTION;
  } catch (...) {
    t_err = "unknown C++ exception";
    rc = TNA_E_EXCEPTION;
  }
  return rc;
}

void releasePending(tna_device* d) {
  for (atb::Operation* op : d->pendingOps) atb::DestroyOperation(op);
  for (aclTensor* t : d->pendingTensors) aclDestroyTensor(t);
  for (aclTensorList* l : d->pendingLists) aclDestroyTensorList(l);
  for (void* p : d->pendingMem) aclrtFree(p);
  d->pendingOps.clear();
  d->pendingTensors.clear();
  d->pendingLists.clear();
  d->pendingMem.clear();
}

// Synchronises the stream (kernel faults surface here) and frees what the kernels used.
void finish(tna_device* d) {
  aclError e = aclrtSynchronizeStream(d->stream);
  releasePending(d);
  acl(e, "aclrtSynchronizeStream");
}

void* tmp(tna_device* d, size_t bytes) {
  void* p = nullptr;
  acl(aclrtMalloc(&p, bytes == 0 ? 1 : bytes, ACL_MEM_MALLOC_HUGE_FIRST), "aclrtMalloc");
  d->pendingMem.push_back(p);
  return p;
}

size_t esize(aclDataType t) {
  switch (t) {
    case ACL_FLOAT: case ACL_INT32: return 4;
    case ACL_FLOAT16: case ACL_BF16: return 2;
    case ACL_INT64: return 8;
    case ACL_INT8: return 1;
    default: return 0;
  }
}

atb::Tensor tensor(const void* dev, aclDataType dt, std::initializer_list<int64_t> dims, const void* host = nullptr) {
  atb::Tensor t;
  t.desc.dtype = dt;
  t.desc.format = ACL_FORMAT_ND;
  t.desc.shape.dimNum = 0;
  uint64_t n = 1;
  for (int64_t v : dims) {
    t.desc.shape.dims[t.desc.shape.dimNum++] = v;
    n *= uint64_t(v);
  }
  t.deviceData = const_cast<void*>(dev);
  t.hostData = const_cast<void*>(host);
  t.dataSize = n * esize(dt);
  return t;
}

// Create, Setup, allocate the workspace Setup asked for, Execute. The operation and workspace stay
// alive until finish(). `withhold` > 0 (misuse probes only) tells Execute the workspace is that many
// bytes smaller than Setup asked for.
template <class P>
void runAtb(tna_device* d, const char* name, const P& param, const atb::VariantPack& pack, uint64_t withhold = 0) {
  atb::Operation* op = nullptr;
  atbCheck(atb::CreateOperation(param, &op), name, "CreateOperation");
  d->pendingOps.push_back(op);
  uint64_t ws = 0;
  atbCheck(op->Setup(pack, ws, d->ctx), name, "Setup");
  void* w = ws > 0 ? tmp(d, ws) : nullptr;
  atbCheck(op->Execute(pack, static_cast<uint8_t*>(w), ws > withhold ? ws - withhold : 0, d->ctx), name, "Execute");
}

// ---- one named-slot struct per operation: the only place that knows each tensor list's order ----
struct CastSlots { atb::Tensor x; atb::Tensor out; };
struct BinarySlots { atb::Tensor x, y; atb::Tensor out; };
struct LinearSlots { atb::Tensor x, weight; atb::Tensor out; };
struct RmsNormSlots { atb::Tensor x, gamma; atb::Tensor y; };
struct RopeSlots { atb::Tensor q, k, cos, sin, seqLen; atb::Tensor ropeQ, ropeK; };
struct SelfAttentionSlots { atb::Tensor query, key, value, mask, seqLen; atb::Tensor out; };
struct PagedAttentionSlots { atb::Tensor query, keyCache, valueCache, blockTables, contextLens; atb::Tensor out; };
struct ReshapeAndCacheSlots { atb::Tensor key, value, keyCache, valueCache, slots; atb::Tensor outKeyCache, outValueCache; };
struct GatherSlots { atb::Tensor x, indices; atb::Tensor out; };
struct UnarySlots { atb::Tensor x; atb::Tensor y; };

atb::VariantPack pack(std::initializer_list<atb::Tensor> in, std::initializer_list<atb::Tensor> out) {
  atb::VariantPack p;
  for (const atb::Tensor& t : in) p.inTensors.push_back(t);
  for (const atb::Tensor& t : out) p.outTensors.push_back(t);
  return p;
}
atb::VariantPack pack(const CastSlots& s) { return pack({s.x}, {s.out}); }
atb::VariantPack pack(const BinarySlots& s) { return pack({s.x, s.y}, {s.out}); }
atb::VariantPack pack(const LinearSlots& s) { return pack({s.x, s.weight}, {s.out}); }
atb::VariantPack pack(const RmsNormSlots& s) { return pack({s.x, s.gamma}, {s.y}); }
atb::VariantPack pack(const RopeSlots& s) { return pack({s.q, s.k, s.cos, s.sin, s.seqLen}, {s.ropeQ, s.ropeK}); }
atb::VariantPack pack(const SelfAttentionSlots& s) { return pack({s.query, s.key, s.value, s.mask, s.seqLen}, {s.out}); }
atb::VariantPack pack(const PagedAttentionSlots& s) {
  return pack({s.query, s.keyCache, s.valueCache, s.blockTables, s.contextLens}, {s.out});
}
atb::VariantPack pack(const ReshapeAndCacheSlots& s) {
  return pack({s.key, s.value, s.keyCache, s.valueCache, s.slots}, {s.outKeyCache, s.outValueCache});
}
atb::VariantPack pack(const GatherSlots& s) { return pack({s.x, s.indices}, {s.out}); }
atb::VariantPack pack(const UnarySlots& s) { return pack({s.x}, {s.y}); }

void cast(tna_device* d, const void* src, aclDataType from, void* dst, aclDataType to, int64_t n) {
  std::unique_ptr<atb::infer::ElewiseParam> p(new atb::infer::ElewiseParam());
  p->elewiseType = atb::infer::ElewiseParam::ELEWISE_CAST;
  p->outTensorType = to;
  runAtb(d, "Elewise(CAST)", *p, pack(CastSlots{tensor(src, from, {n}), tensor(dst, to, {n})}));
}

// A device copy of f32 data in the compute dtype.
void* toCompute(tna_device* d, const void* f32, int64_t n, aclDataType cd) {
  void* out = tmp(d, size_t(n) * esize(cd));
  cast(d, f32, ACL_FLOAT, out, cd, n);
  return out;
}

// Column block [col, col + width) of a row-major [rows, pitch] matrix into a dense [rows, width] one.
void columns(tna_device* d, void* dst, const void* src, int64_t rows, int64_t pitch, int64_t col, int64_t width,
             size_t es) {
  acl(aclrtMemcpy2d(dst, size_t(width) * es, static_cast<const char*>(src) + col * es, size_t(pitch) * es,
                    size_t(width) * es, size_t(rows), ACL_MEMCPY_DEVICE_TO_DEVICE),
      "aclrtMemcpy2d");
}
void putColumns(tna_device* d, void* dst, const void* src, int64_t rows, int64_t pitch, int64_t col, int64_t width,
                size_t es) {
  acl(aclrtMemcpy2d(static_cast<char*>(dst) + col * es, size_t(pitch) * es, src, size_t(width) * es,
                    size_t(width) * es, size_t(rows), ACL_MEMCPY_DEVICE_TO_DEVICE),
      "aclrtMemcpy2d");
}

void* upload(tna_device* d, const void* host, size_t bytes) {
  void* p = tmp(d, bytes);
  acl(aclrtMemcpy(p, bytes, host, bytes, ACL_MEMCPY_HOST_TO_DEVICE), "aclrtMemcpy(H2D)");
  return p;
}

aclDataType computeType(int cd) {
  if (cd != ACL_FLOAT16 && cd != ACL_BF16) {
    t_err = "compute dtype must be ACL_FLOAT16 or ACL_BF16";
    throw Fail{TNA_E_ARG};
  }
  return aclDataType(cd);
}

// The fixed [128, 128] causal mask MindIE passes to PA_ENCODER (isTriuMask = 1): 0 on and below
// the diagonal, -inf above.
void* causalMask(tna_device* d, aclDataType cd) {
  int slot = cd == ACL_FLOAT16 ? 0 : 1;
  if (d->mask[slot]) return d->mask[slot];
  std::vector<float> m(128 * 128);
  for (int i = 0; i < 128; i++)
    for (int j = 0; j < 128; j++) m[i * 128 + j] = j > i ? -INFINITY : 0.f;
  void* f32 = upload(d, m.data(), m.size() * 4);
  void* out = nullptr;
  acl(aclrtMalloc(&out, m.size() * esize(cd), ACL_MEM_MALLOC_HUGE_FIRST), "aclrtMalloc");
  d->mask[slot] = out;
  cast(d, f32, ACL_FLOAT, out, cd, int64_t(m.size()));
  return out;
}

aclTensor* aclT(tna_device* d, const void* data, aclDataType dt, std::vector<int64_t> dims,
                std::vector<int64_t> strides = {}) {
  if (strides.empty()) {
    strides.resize(dims.size());
    int64_t s = 1;
    for (size_t i = dims.size(); i-- > 0;) {
      strides[i] = s;
      s *= dims[i];
    }
  }
  int64_t storage = 1;
  for (size_t i = 0; i < dims.size(); i++) storage += (dims[i] - 1) * strides[i];
  aclTensor* t = aclCreateTensor(dims.data(), dims.size(), dt, strides.data(), 0, ACL_FORMAT_ND, &storage, 1,
                                 const_cast<void*>(data));
  if (!t) {
    t_err = "aclCreateTensor returned null";
    throw Fail{TNA_E_ARG};
  }
  d->pendingTensors.push_back(t);
  return t;
}

aclTensorList* aclList(tna_device* d, aclTensor* t) {
  // the list owns its tensor from here on
  for (auto it = d->pendingTensors.begin(); it != d->pendingTensors.end(); ++it)
    if (*it == t) {
      d->pendingTensors.erase(it);
      break;
    }
  aclTensorList* l = aclCreateTensorList(&t, 1);
  d->pendingLists.push_back(l);
  return l;
}

// Two-phase aclnn call: GetWorkspaceSize (through `get`), workspace, launch on the stream.
template <class Get, class Launch>
void runAclnn(tna_device* d, const char* name, Get&& get, Launch launch) {
  uint64_t ws = 0;
  aclOpExecutor* exec = nullptr;
  aclnnStatus s = get(&ws, &exec);
  if (s != 0) {
    t_err = std::string(name) + "GetWorkspaceSize returned " + std::to_string(s) + recent();
    throw Fail{s};
  }
  void* w = ws > 0 ? tmp(d, ws) : nullptr;
  s = launch(w, ws, exec, d->stream);
  if (s != 0) {
    t_err = std::string(name) + " returned " + std::to_string(s) + recent();
    throw Fail{s};
  }
}

// ---- MoE and W8A8 building blocks (MindIE's sparse_moe / integrated_gmm sequence) ----

// aclnnDynamicQuant: x [rows, k] in cd -> xq int8 [rows, k], xs float [rows].
void dynamicQuant(tna_device* d, const void* x, aclDataType cd, int64_t rows, int64_t k, void* xq, void* xs) {
  aclTensor* xT = aclT(d, x, cd, {rows, k});
  aclTensor* qT = aclT(d, xq, ACL_INT8, {rows, k});
  aclTensor* sT = aclT(d, xs, ACL_FLOAT, {rows});
  runAclnn(d, "aclnnDynamicQuant",
           [&](uint64_t* ws, aclOpExecutor** e) { return aclnnDynamicQuantGetWorkspaceSize(xT, nullptr, qT, sT, ws, e); },
           aclnnDynamicQuant);
}

// Tokens sorted by expert (MoeInitRoutingV2, dropless, cumsum) and the cumsum as int64 for the GMMs.
struct Routed {
  void* expanded;  // [T*k, H] in cd
  void* rowIdx;    // int32 [T*k]
  void* cum64;     // int64 [E]
};
Routed route(tna_device* d, const void* x16, aclDataType cd, int64_t T, int64_t H, int64_t E, int64_t K,
             const int32_t* ids) {
  int64_t R = T * K;
  Routed r{tmp(d, size_t(R * H) * esize(cd)), tmp(d, size_t(R) * 4), tmp(d, size_t(E) * 8)};
  void* cum32 = tmp(d, size_t(E) * 4);
  aclTensor* xT = aclT(d, x16, cd, {T, H});
  aclTensor* idT = aclT(d, ids, ACL_INT32, {T, K});
  aclTensor* exT = aclT(d, r.expanded, cd, {R, H});
  aclTensor* riT = aclT(d, r.rowIdx, ACL_INT32, {R});
  aclTensor* cuT = aclT(d, cum32, ACL_INT32, {E});
  runAclnn(d, "aclnnMoeInitRoutingV2",
           [&](uint64_t* ws, aclOpExecutor** e) {
             return aclnnMoeInitRoutingV2GetWorkspaceSize(xT, idT, R, 0, E, 0, 1, false, exT, riT, cuT, nullptr, ws, e);
           },
           aclnnMoeInitRoutingV2);
  cast(d, cum32, ACL_INT32, r.cum64, ACL_INT64, E);
  return r;
}

// One grouped matmul over the routed rows: y [R, N] (cd) = x [R, Kd] . W_e^T per expert group, W stored
// [E, N, Kd] and seen as [E, Kd, N] (transposed view). Float: x and W in cd. W8A8: x int8 with per-row
// scales xScale [R], W int8 with scales wScale [E, N].
void groupedMatmul(tna_device* d, const char* name, const void* x, aclDataType xdt, int64_t R, int64_t Kd,
                   const void* w, int64_t E, int64_t N, const void* wScale, const void* xScale, const void* cum64,
                   void* y, aclDataType cd) {
  aclTensor* g = aclT(d, cum64, ACL_INT64, {E});
  aclTensorList* xl = aclList(d, aclT(d, x, xdt, {R, Kd}));
  aclTensorList* wl = aclList(d, aclT(d, w, xdt, {E, Kd, N}, {N * Kd, 1, Kd}));
  aclTensorList* yl = aclList(d, aclT(d, y, cd, {R, N}));
  aclTensorList* sl = wScale ? aclList(d, aclT(d, wScale, ACL_FLOAT, {E, N})) : nullptr;
  aclTensorList* pl = xScale ? aclList(d, aclT(d, xScale, ACL_FLOAT, {R})) : nullptr;
  runAclnn(d, name,
           [&](uint64_t* ws, aclOpExecutor** e) {
             return aclnnGroupedMatmulV4GetWorkspaceSize(xl, wl, nullptr, sl, nullptr, nullptr, nullptr, pl, g, nullptr,
                                                         nullptr, nullptr, 2, 0, 0, 0, yl, nullptr, nullptr, ws, e);
           },
           aclnnGroupedMatmulV4);
}

// out[T, H] (f32) = sum_j weights[t, j] * rows of dn [T*k, H] (cd), MoeTokenUnpermute.
void unpermute(tna_device* d, const void* dn, const void* rowIdx, const float* weights, int64_t T, int64_t H,
               int64_t K, float* out, aclDataType cd) {
  int64_t R = T * K;
  void* probs = toCompute(d, weights, R, cd);  // MindIE casts the routing weights to fp16 before unpermute
  void* o16 = tmp(d, size_t(T * H) * esize(cd));
  aclTensor* pT = aclT(d, dn, cd, {R, H});
  aclTensor* sT = aclT(d, rowIdx, ACL_INT32, {R});
  aclTensor* wT = aclT(d, probs, cd, {T, K});
  aclTensor* oT = aclT(d, o16, cd, {T, H});
  runAclnn(d, "aclnnMoeTokenUnpermute",
           [&](uint64_t* ws, aclOpExecutor** e) {
             return aclnnMoeTokenUnpermuteGetWorkspaceSize(pT, sT, wT, false, nullptr, oT, ws, e);
           },
           aclnnMoeTokenUnpermute);
  cast(d, o16, cd, out, ACL_FLOAT, T * H);
}

void swiglu(tna_device* d, const void* gu, void* act, int64_t R, int64_t I, aclDataType cd) {
  std::unique_ptr<atb::infer::ActivationParam> sw(new atb::infer::ActivationParam());
  sw->activationType = atb::infer::ACTIVATION_SWIGLU_FORWARD;
  runAtb(d, "Activation(SWIGLU_FORWARD)", *sw, pack(UnarySlots{tensor(gu, cd, {R, 2 * I}), tensor(act, cd, {R, I})}));
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

const char* tna_last_error(void) { return t_err.c_str(); }

tna_device* tna_open(int device_id, int* status) {
  tna_device* d = new tna_device();
  d->id = device_id;
  bool counted = false;
  int rc = guarded(d, [&] {
    {
      std::lock_guard<std::mutex> l(g_init_mu);
      if (g_open == 0) acl(aclInit(nullptr), "aclInit");
      g_open++;
      counted = true;
    }
    acl(aclrtSetDevice(device_id), "aclrtSetDevice");
    acl(aclrtCreateStream(&d->stream), "aclrtCreateStream");
    atbCheck(atb::CreateContext(&d->ctx), "Context", "CreateContext");
    atbCheck(d->ctx->SetExecuteStream(d->stream), "Context", "SetExecuteStream");
  });
  if (status) *status = rc;
  if (rc == TNA_OK) return d;
  if (d->ctx) atb::DestroyContext(d->ctx);
  if (d->stream) aclrtDestroyStream(d->stream);
  if (counted) {
    std::lock_guard<std::mutex> l(g_init_mu);
    if (--g_open == 0) aclFinalize();
  }
  delete d;
  return nullptr;
}

int tna_close(tna_device* d) {
  int rc = guarded(d, [&] {
    aclError e = aclrtSynchronizeStream(d->stream);
    releasePending(d);
    for (void*& m : d->mask)
      if (m) aclrtFree(m), m = nullptr;
    atb::DestroyContext(d->ctx);
    aclrtDestroyStream(d->stream);
    aclrtResetDevice(d->id);
    acl(e, "aclrtSynchronizeStream");
  });
  {
    std::lock_guard<std::mutex> l(g_init_mu);
    if (--g_open == 0) aclFinalize();
  }
  delete d;
  return rc;
}

int tna_malloc(tna_device* d, size_t bytes, void** out) {
  return guarded(d, [&] { acl(aclrtMalloc(out, bytes, ACL_MEM_MALLOC_HUGE_FIRST), "aclrtMalloc"); });
}
int tna_free(tna_device* d, void* p) {
  return guarded(d, [&] { acl(aclrtFree(p), "aclrtFree"); });
}
int tna_memset_zero(tna_device* d, void* p, size_t bytes) {
  return guarded(d, [&] { acl(aclrtMemset(p, bytes, 0, bytes), "aclrtMemset"); });
}
int tna_upload(tna_device* d, void* dst, const void* src, size_t bytes) {
  return guarded(d, [&] { acl(aclrtMemcpy(dst, bytes, src, bytes, ACL_MEMCPY_HOST_TO_DEVICE), "aclrtMemcpy(H2D)"); });
}
int tna_download(tna_device* d, void* dst, const void* src, size_t bytes) {
  return guarded(d, [&] {
    acl(aclrtSynchronizeStream(d->stream), "aclrtSynchronizeStream");
    acl(aclrtMemcpy(dst, bytes, src, bytes, ACL_MEMCPY_DEVICE_TO_HOST), "aclrtMemcpy(D2H)");
  });
}
int tna_copy(tna_device* d, void* dst, const void* src, size_t bytes) {
  return guarded(d, [&] { acl(aclrtMemcpy(dst, bytes, src, bytes, ACL_MEMCPY_DEVICE_TO_DEVICE), "aclrtMemcpy(D2D)"); });
}
int tna_sync(tna_device* d) {
  return guarded(d, [&] { finish(d); });
}

int tna_fill_random(tna_device* d, void* dst, int dtype, uint64_t seed, float scale, const int64_t* run_starts,
                    size_t num_runs, size_t run_elems) {
  return guarded(d, [&] {
    int tn = dtype == ACL_FLOAT ? TN_F32 : dtype == ACL_FLOAT16 ? TN_F16 : dtype == ACL_BF16 ? TN_BF16 : -1;
    if (tn < 0) {
      t_err = "tna_fill_random: float dtypes only";
      throw Fail{TNA_E_ARG};
    }
    size_t bytes = num_runs * run_elems * esize(aclDataType(dtype));
    std::vector<char> host(bytes);
    if (tn_fill_random_runs(host.data(), tn, seed, scale, run_starts, num_runs, run_elems) != TN_OK) {
      t_err = "tn_fill_random_runs failed";
      throw Fail{TNA_E_ARG};
    }
    acl(aclrtMemcpy(dst, bytes, host.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE), "aclrtMemcpy(H2D)");
  });
}

int tna_cast(tna_device* d, const void* src, int from, void* dst, int to, size_t n) {
  return guarded(d, [&] {
    cast(d, src, aclDataType(from), dst, aclDataType(to), int64_t(n));
    finish(d);
  });
}

int tna_embedding(tna_device* d, const void* table, int cdi, int64_t vocab, int hidden, const int32_t* ids, int n,
                  float* out) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    std::unique_ptr<atb::infer::GatherParam> p(new atb::infer::GatherParam());
    void* rows = tmp(d, size_t(n) * hidden * esize(cd));
    runAtb(d, "Gather", *p,
           pack(GatherSlots{tensor(table, cd, {vocab, hidden}), tensor(ids, ACL_INT32, {n}), tensor(rows, cd, {n, hidden})}));
    cast(d, rows, cd, out, ACL_FLOAT, int64_t(n) * hidden);
    finish(d);
  });
}

int tna_rms_norm(tna_device* d, const float* x, const float* gamma, float* out, int rows, int dim, float eps, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    void* x16 = toCompute(d, x, int64_t(rows) * dim, cd);
    void* g16 = toCompute(d, gamma, dim, cd);
    void* y16 = tmp(d, size_t(rows) * dim * esize(cd));
    std::unique_ptr<atb::infer::RmsNormParam> p(new atb::infer::RmsNormParam());
    p->layerType = atb::infer::RmsNormParam::RMS_NORM_NORM;
    p->normParam.epsilon = eps;
    runAtb(d, "RmsNorm", *p,
           pack(RmsNormSlots{tensor(x16, cd, {rows, dim}), tensor(g16, cd, {dim}), tensor(y16, cd, {rows, dim})}));
    cast(d, y16, cd, out, ACL_FLOAT, int64_t(rows) * dim);
    finish(d);
  });
}

int tna_linear(tna_device* d, const float* x, int m, int k, const void* w, int cdi, int n, float* out) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    void* x16 = toCompute(d, x, int64_t(m) * k, cd);
    void* o16 = tmp(d, size_t(m) * n * esize(cd));
    std::unique_ptr<atb::infer::LinearParam> p(new atb::infer::LinearParam());
    p->hasBias = false;  // transposeB stays at its default (true): w is [n, k]
    runAtb(d, "Linear", *p, pack(LinearSlots{tensor(x16, cd, {m, k}), tensor(w, cd, {n, k}), tensor(o16, cd, {m, n})}));
    cast(d, o16, cd, out, ACL_FLOAT, int64_t(m) * n);
    finish(d);
  });
}

int tna_rope(tna_device* d, float* qkv, int T, int nq, int nk, int hd, const void* cosTable, const void* sinTable,
             int maxPos, const int32_t* positions, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    size_t es = esize(cd);
    int64_t width = int64_t(nq + 2 * nk) * hd;
    void* all = toCompute(d, qkv, T * width, cd);
    void* q = tmp(d, size_t(T) * nq * hd * es);
    void* k = tmp(d, size_t(T) * nk * hd * es);
    columns(d, q, all, T, width, 0, int64_t(nq) * hd, es);
    columns(d, k, all, T, width, int64_t(nq) * hd, int64_t(nk) * hd, es);
    void* cosT = tmp(d, size_t(T) * hd * es);
    void* sinT = tmp(d, size_t(T) * hd * es);
    std::unique_ptr<atb::infer::GatherParam> g(new atb::infer::GatherParam());
    runAtb(d, "Gather(cos)", *g,
           pack(GatherSlots{tensor(cosTable, cd, {maxPos, hd}), tensor(positions, ACL_INT32, {T}), tensor(cosT, cd, {T, hd})}));
    runAtb(d, "Gather(sin)", *g,
           pack(GatherSlots{tensor(sinTable, cd, {maxPos, hd}), tensor(positions, ACL_INT32, {T}), tensor(sinT, cd, {T, hd})}));
    int32_t seqLen = T;
    void* seq = upload(d, &seqLen, 4);
    void* rq = tmp(d, size_t(T) * nq * hd * es);
    void* rk = tmp(d, size_t(T) * nk * hd * es);
    std::unique_ptr<atb::infer::RopeParam> p(new atb::infer::RopeParam());
    p->rotaryCoeff = 2;  // rotate-half (HF Mixtral)
    runAtb(d, "Rope", *p,
           pack(RopeSlots{tensor(q, cd, {T, int64_t(nq) * hd}), tensor(k, cd, {T, int64_t(nk) * hd}),
                          tensor(cosT, cd, {T, hd}), tensor(sinT, cd, {T, hd}), tensor(seq, ACL_INT32, {1}),
                          tensor(rq, cd, {T, int64_t(nq) * hd}), tensor(rk, cd, {T, int64_t(nk) * hd})}));
    putColumns(d, all, rq, T, width, 0, int64_t(nq) * hd, es);
    putColumns(d, all, rk, T, width, int64_t(nq) * hd, int64_t(nk) * hd, es);
    cast(d, all, cd, qkv, ACL_FLOAT, T * width);
    finish(d);
  });
}

int tna_reshape_and_cache(tna_device* d, const float* qkv, int T, int nq, int nk, int hd, void* kc, void* vc,
                          int nb, int bs, const int32_t* slots, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    size_t es = esize(cd);
    int64_t width = int64_t(nq + 2 * nk) * hd;
    void* all = toCompute(d, qkv, T * width, cd);
    void* k = tmp(d, size_t(T) * nk * hd * es);
    void* v = tmp(d, size_t(T) * nk * hd * es);
    columns(d, k, all, T, width, int64_t(nq) * hd, int64_t(nk) * hd, es);
    columns(d, v, all, T, width, int64_t(nq + nk) * hd, int64_t(nk) * hd, es);
    std::unique_ptr<atb::infer::ReshapeAndCacheParam> p(new atb::infer::ReshapeAndCacheParam());
    atb::Tensor kcT = tensor(kc, cd, {nb, bs, nk, hd}), vcT = tensor(vc, cd, {nb, bs, nk, hd});
    runAtb(d, "ReshapeAndCache", *p,
           pack(ReshapeAndCacheSlots{tensor(k, cd, {T, nk, hd}), tensor(v, cd, {T, nk, hd}), kcT, vcT,
                                     tensor(slots, ACL_INT32, {T}), kcT, vcT}));
    finish(d);
  });
}

int tna_prefill_attention(tna_device* d, const float* qkv, int T, int nq, int nk, int hd, const int32_t* seqLensHost,
                          int numSeqs, float scale, float* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    size_t es = esize(cd);
    int64_t width = int64_t(nq + 2 * nk) * hd;
    void* all = toCompute(d, qkv, T * width, cd);
    void* q = tmp(d, size_t(T) * nq * hd * es);
    void* k = tmp(d, size_t(T) * nk * hd * es);
    void* v = tmp(d, size_t(T) * nk * hd * es);
    columns(d, q, all, T, width, 0, int64_t(nq) * hd, es);
    columns(d, k, all, T, width, int64_t(nq) * hd, int64_t(nk) * hd, es);
    columns(d, v, all, T, width, int64_t(nq + nk) * hd, int64_t(nk) * hd, es);
    void* seqDev = upload(d, seqLensHost, size_t(numSeqs) * 4);
    void* o = tmp(d, size_t(T) * nq * hd * es);
    std::unique_ptr<atb::infer::SelfAttentionParam> p(new atb::infer::SelfAttentionParam());
    p->headNum = nq;
    p->kvHeadNum = nk;
    p->qkScale = scale;
    p->calcType = atb::infer::SelfAttentionParam::PA_ENCODER;
    p->maskType = atb::infer::SelfAttentionParam::MASK_TYPE_NORM;
    p->isTriuMask = 1;
    runAtb(d, "SelfAttention(PA_ENCODER)", *p,
           pack(SelfAttentionSlots{tensor(q, cd, {T, nq, hd}), tensor(k, cd, {T, nk, hd}), tensor(v, cd, {T, nk, hd}),
                                   tensor(causalMask(d, cd), cd, {128, 128}),
                                   tensor(seqDev, ACL_INT32, {numSeqs}, seqLensHost), tensor(o, cd, {T, nq, hd})}));
    cast(d, o, cd, out, ACL_FLOAT, int64_t(T) * nq * hd);
    finish(d);
  });
}

int tna_decode_attention(tna_device* d, const float* qkv, int B, int nq, int nk, int hd, const void* kc, const void* vc,
                         int nb, int bs, const int32_t* blockTables, int maxBlocks, const int32_t* ctxHost, float scale,
                         float* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    size_t es = esize(cd);
    int64_t width = int64_t(nq + 2 * nk) * hd;
    void* all = toCompute(d, qkv, B * width, cd);
    void* q = tmp(d, size_t(B) * nq * hd * es);
    columns(d, q, all, B, width, 0, int64_t(nq) * hd, es);
    void* ctxDev = upload(d, ctxHost, size_t(B) * 4);
    void* o = tmp(d, size_t(B) * nq * hd * es);
    std::unique_ptr<atb::infer::PagedAttentionParam> p(new atb::infer::PagedAttentionParam());
    p->headNum = nq;
    p->kvHeadNum = nk;
    p->qkScale = scale;
    runAtb(d, "PagedAttention", *p,
           pack(PagedAttentionSlots{tensor(q, cd, {B, nq, hd}), tensor(kc, cd, {nb, bs, nk, hd}),
                                    tensor(vc, cd, {nb, bs, nk, hd}), tensor(blockTables, ACL_INT32, {B, maxBlocks}),
                                    tensor(ctxDev, ACL_INT32, {B}, ctxHost), tensor(o, cd, {B, nq, hd})}));
    cast(d, o, cd, out, ACL_FLOAT, int64_t(B) * nq * hd);
    finish(d);
  });
}

int tna_moe_gate(tna_device* d, const float* x, const float* gate, int T, int H, int E, int K, int32_t* ids,
                 float* weights, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    void* x16 = toCompute(d, x, int64_t(T) * H, cd);
    void* g16 = toCompute(d, gate, int64_t(E) * H, cd);
    void* logits16 = tmp(d, size_t(T) * E * esize(cd));
    std::unique_ptr<atb::infer::LinearParam> lin(new atb::infer::LinearParam());
    lin->hasBias = false;
    runAtb(d, "Linear(router)", *lin,
           pack(LinearSlots{tensor(x16, cd, {T, H}), tensor(g16, cd, {E, H}), tensor(logits16, cd, {T, E})}));
    void* logits = tmp(d, size_t(T) * E * 4);
    cast(d, logits16, cd, logits, ACL_FLOAT, int64_t(T) * E);
    void* top = tmp(d, size_t(T) * K * 4);
    void* rowIdx = tmp(d, size_t(T) * K * 4);
    aclTensor* xT = aclT(d, logits, ACL_FLOAT, {T, E});
    aclTensor* yT = aclT(d, top, ACL_FLOAT, {T, K});
    aclTensor* iT = aclT(d, ids, ACL_INT32, {T, K});
    aclTensor* rT = aclT(d, rowIdx, ACL_INT32, {T, K});
    runAclnn(d, "aclnnMoeGatingTopKSoftmax",
             [&](uint64_t* ws, aclOpExecutor** e) {
               return aclnnMoeGatingTopKSoftmaxGetWorkspaceSize(xT, nullptr, K, yT, iT, rT, ws, e);
             },
             aclnnMoeGatingTopKSoftmax);
    // renormalise the k probabilities: softmax(log p) = p / sum(p)
    void* logp = tmp(d, size_t(T) * K * 4);
    std::unique_ptr<atb::infer::ActivationParam> lg(new atb::infer::ActivationParam());
    lg->activationType = atb::infer::ACTIVATION_LOG;
    runAtb(d, "Activation(LOG)", *lg, pack(UnarySlots{tensor(top, ACL_FLOAT, {T, K}), tensor(logp, ACL_FLOAT, {T, K})}));
    std::unique_ptr<atb::infer::SoftmaxParam> sm(new atb::infer::SoftmaxParam());
    sm->axes.push_back(1);
    runAtb(d, "Softmax", *sm, pack(UnarySlots{tensor(logp, ACL_FLOAT, {T, K}), tensor(weights, ACL_FLOAT, {T, K})}));
    finish(d);
  });
}

int tna_moe_experts(tna_device* d, const float* x, int T, int H, int I, int E, int K, const void* gateUp,
                    const void* down, const int32_t* ids, const float* weights, float* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    size_t es = esize(cd);
    int64_t R = int64_t(T) * K;
    void* x16 = toCompute(d, x, int64_t(T) * H, cd);
    Routed r = route(d, x16, cd, T, H, E, K, ids);
    void* gu = tmp(d, size_t(R) * 2 * I * es);
    groupedMatmul(d, "aclnnGroupedMatmulV4(gate_up)", r.expanded, cd, R, H, gateUp, E, 2 * int64_t(I), nullptr,
                  nullptr, r.cum64, gu, cd);
    void* act = tmp(d, size_t(R) * I * es);
    swiglu(d, gu, act, R, I, cd);
    void* dn = tmp(d, size_t(R) * H * es);
    groupedMatmul(d, "aclnnGroupedMatmulV4(down)", act, cd, R, I, down, E, H, nullptr, nullptr, r.cum64, dn, cd);
    unpermute(d, dn, r.rowIdx, weights, T, H, K, out, cd);
    finish(d);
  });
}

int tna_moe_experts_w8a8(tna_device* d, const float* x, int T, int H, int I, int E, int K, const void* gateUp,
                         const float* gateUpScale, const void* down, const float* downScale, const int32_t* ids,
                         const float* weights, float* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    size_t es = esize(cd);
    int64_t R = int64_t(T) * K;
    void* x16 = toCompute(d, x, int64_t(T) * H, cd);
    Routed r = route(d, x16, cd, T, H, E, K, ids);
    void* xq = tmp(d, size_t(R) * H);
    void* xs = tmp(d, size_t(R) * 4);
    dynamicQuant(d, r.expanded, cd, R, H, xq, xs);
    void* gu = tmp(d, size_t(R) * 2 * I * es);
    groupedMatmul(d, "aclnnGroupedMatmulV4(gate_up, W8A8)", xq, ACL_INT8, R, H, gateUp, E, 2 * int64_t(I),
                  gateUpScale, xs, r.cum64, gu, cd);
    void* act = tmp(d, size_t(R) * I * es);
    swiglu(d, gu, act, R, I, cd);
    void* aq = tmp(d, size_t(R) * I);
    void* as = tmp(d, size_t(R) * 4);
    dynamicQuant(d, act, cd, R, I, aq, as);
    void* dn = tmp(d, size_t(R) * H * es);
    groupedMatmul(d, "aclnnGroupedMatmulV4(down, W8A8)", aq, ACL_INT8, R, I, down, E, H, downScale, as, r.cum64, dn,
                  cd);
    unpermute(d, dn, r.rowIdx, weights, T, H, K, out, cd);
    finish(d);
  });
}

int tna_quant_linear(tna_device* d, const float* x, int m, int k, const void* w, const float* wScale, int n,
                     float* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    void* x16 = toCompute(d, x, int64_t(m) * k, cd);
    void* xq = tmp(d, size_t(m) * k);
    void* xs = tmp(d, size_t(m) * 4);
    dynamicQuant(d, x16, cd, m, k, xq, xs);
    void* o16 = tmp(d, size_t(m) * n * esize(cd));
    aclTensor* aT = aclT(d, xq, ACL_INT8, {m, k});
    aclTensor* bT = aclT(d, w, ACL_INT8, {n, k});  // [n, k] with transposeX2
    aclTensor* sT = aclT(d, wScale, ACL_FLOAT, {n});
    aclTensor* pT = aclT(d, xs, ACL_FLOAT, {m});
    aclTensor* oT = aclT(d, o16, cd, {m, n});
    runAclnn(d, "aclnnQuantMatmulV4",
             [&](uint64_t* ws, aclOpExecutor** e) {
               return aclnnQuantMatmulV4GetWorkspaceSize(aT, bT, sT, nullptr, pT, nullptr, false, true, oT, ws, e);
             },
             aclnnQuantMatmulV4);
    cast(d, o16, cd, out, ACL_FLOAT, int64_t(m) * n);
    finish(d);
  });
}

int tna_add(tna_device* d, float* y, const float* x, size_t n) {
  return guarded(d, [&] {
    std::unique_ptr<atb::infer::ElewiseParam> p(new atb::infer::ElewiseParam());
    p->elewiseType = atb::infer::ElewiseParam::ELEWISE_ADD;
    int64_t len = int64_t(n);
    runAtb(d, "Elewise(ADD)", *p,
           pack(BinarySlots{tensor(y, ACL_FLOAT, {len}), tensor(x, ACL_FLOAT, {len}), tensor(y, ACL_FLOAT, {len})}));
    finish(d);
  });
}
// Tensor parallelism runs ATB's AllReduce and AllGather operations, as MindIE does, each rank on its
// own device thread of this one process: params made with `new` (defaults: rankRoot 0, quantType
// UNQUANT, allReduceType "sum"), rank and rankSize of the group, commMode COMM_MULTI_THREAD, the
// backend the caller chose ("lccl" or "hccl", see AscendBackend.CommBackend), a commDomain naming the
// group, and hcclComm = the rank's communicator from tna_hccl_init. Why we make that communicator
// ourselves (HcclGetRootInfo on rank 0's thread, HcclCommInitRootInfo on each) instead of leaving
// hcclComm null: with null, ATB's hccl runner bootstraps through a named POSIX shared-memory segment
// ("hcclShareMem" + commDomain) that it busy-waits on with a fixed 600 s barrier, and it never
// destroys the communicator it made (ATB src/atb/runner/hccl_runner.cpp); ours is made and destroyed with
// the group, carries HCCL_EXEC_TIMEOUT, and fails the join with HCCL's own error. ATB's lccl runner
// ignores hcclComm: it makes its own LCCL communicator from (rank, rankSize, commDomain)
// (LcalCommInitThread in COMM_MULTI_THREAD) and keeps it for the life of the process, so each
// group needs a commDomain of its own. The sum runs on the f32 activations the SPI holds between
// calls (the host path sums f32 too); MindIE all-reduces fp16, half the traffic: worth doing once a
// device measures it.
size_t tna_hccl_root_info_bytes(void) { return HCCL_ROOT_INFO_BYTES; }

int tna_hccl_root_info(tna_device* d, int exec_timeout_s, void* root_info) {
  return guarded(d, [&] {
    if (!root_info) {
      t_err = "tna_hccl_root_info: root_info is null";
      throw Fail{TNA_E_ARG};
    }
    if (exec_timeout_s > 0 && setenv("HCCL_EXEC_TIMEOUT", std::to_string(exec_timeout_s).c_str(), 1) != 0) {
      t_err = "setenv(HCCL_EXEC_TIMEOUT) failed";
      throw Fail{TNA_E_ARG};
    }
    hccl(HcclGetRootInfo(static_cast<HcclRootInfo*>(root_info)), "HcclGetRootInfo");
  });
}

int tna_hccl_init(tna_device* d, int n_ranks, const void* root_info, int rank, tna_hccl** out) {
  return guarded(d, [&] {
    if (!root_info || !out || n_ranks < 1 || rank < 0 || rank >= n_ranks) {
      t_err = "tna_hccl_init: rank " + std::to_string(rank) + " of " + std::to_string(n_ranks) + " or null pointer";
      throw Fail{TNA_E_ARG};
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
}  // extern "C"

namespace {
// One rank's place in its tensor-parallel group, as the collectives' params take it.
struct Group {
  const char* backend;
  int rank, rankSize;
  tna_hccl* hcclComm;
  const char* commDomain;
};

// AllReduceParam / AllGatherParam for rank g.rank of the group, the rest left at ATB's defaults.
template <class P>
std::unique_ptr<P> groupParam(const Group& g) {
  if (!g.backend || !g.commDomain) {
    t_err = "collective: backend or comm_domain is null";
    throw Fail{TNA_E_ARG};
  }
  std::unique_ptr<P> p(new P());
  p->rank = g.rank;
  p->rankSize = g.rankSize;
  p->backend = g.backend;
  p->hcclComm = static_cast<HcclComm>(g.hcclComm);
  p->commMode = atb::infer::COMM_MULTI_THREAD;
  p->commDomain = g.commDomain;
  return p;
}

// In place: data f32 [count] = the sum over the ranks. The ATB output is a separate buffer copied
// back after the stream sync: in-place AllReduce (x and output one tensor) is not promised by what
// we read of ATB. allReduceType, a tensor dtype other than f32 and `withhold` serve the probes only.
void allReduce(tna_device* d, const Group& g, const std::string& allReduceType, aclDataType dt, void* data,
               size_t bytes, uint64_t withhold) {
  std::unique_ptr<atb::infer::AllReduceParam> p = groupParam<atb::infer::AllReduceParam>(g);
  p->allReduceType = allReduceType;
  int64_t n = int64_t(bytes / (esize(dt) ? esize(dt) : 1));
  void* sum = tmp(d, bytes);
  std::string name = "AllReduce(" + p->backend + ")";
  runAtb(d, name.c_str(), *p, pack(UnarySlots{tensor(data, dt, {n}), tensor(sum, dt, {n})}), withhold);
  acl(aclrtSynchronizeStream(d->stream), "aclrtSynchronizeStream(AllReduce)");
  acl(aclrtMemcpy(data, bytes, sum, bytes, ACL_MEMCPY_DEVICE_TO_DEVICE), "aclrtMemcpy(D2D)");
  finish(d);
}
}  // namespace

extern "C" {
int tna_all_reduce_sum(tna_device* d, const char* backend, int rank, int rank_size, tna_hccl* hccl_comm,
                       const char* comm_domain, float* data, size_t count) {
  return guarded(d, [&] {
    allReduce(d, Group{backend, rank, rank_size, hccl_comm, comm_domain}, "sum", ACL_FLOAT, data,
              count * sizeof(float), 0);
  });
}

int tna_all_gather(tna_device* d, const char* backend, int rank, int rank_size, tna_hccl* hccl_comm,
                   const char* comm_domain, const float* local, size_t count, float* out) {
  return guarded(d, [&] {
    Group g{backend, rank, rank_size, hccl_comm, comm_domain};
    std::unique_ptr<atb::infer::AllGatherParam> p = groupParam<atb::infer::AllGatherParam>(g);
    std::string name = "AllGather(" + p->backend + ")";
    runAtb(d, name.c_str(), *p,
           pack(UnarySlots{tensor(local, ACL_FLOAT, {int64_t(count)}),
                           tensor(out, ACL_FLOAT, {int64_t(rank_size), int64_t(count)})}));
    finish(d);
  });
}

int tna_probe_all_reduce(tna_device* d, const char* backend, int rank, int rank_size, tna_hccl* hccl_comm,
                         const char* comm_domain, const char* all_reduce_type, int dtype, void* data, size_t bytes,
                         size_t withhold) {
  return guarded(d, [&] {
    allReduce(d, Group{backend, rank, rank_size, hccl_comm, comm_domain}, all_reduce_type ? all_reduce_type : "",
              aclDataType(dtype), data, bytes, withhold);
  });
}

int tna_probe(tna_device* d, int which) {
  return guarded(d, [&] {
    aclDataType cd = ACL_FLOAT16;
    if (which == 1) {
      void* x = tmp(d, 64);
      void* w = tmp(d, 64);
      void* o = tmp(d, 64);
      std::unique_ptr<atb::infer::LinearParam> p(new atb::infer::LinearParam());
      p->hasBias = false;
      atb::VariantPack vp = pack(LinearSlots{tensor(x, cd, {2, 4}), tensor(w, cd, {4, 4}), tensor(o, cd, {2, 4})});
      atb::Operation* op = nullptr;
      atbCheck(atb::CreateOperation(*p, &op), "Linear", "CreateOperation");
      d->pendingOps.push_back(op);
      uint64_t ws = 0;
      atbCheck(op->Setup(vp, ws, d->ctx), "Linear", "Setup");
      void* buf = tmp(d, ws);
      atbCheck(op->Execute(vp, static_cast<uint8_t*>(buf), ws - 1, d->ctx), "Linear", "Execute");
    } else {
      void* q = tmp(d, 64);
      void* kc = tmp(d, 256);
      void* vc = tmp(d, 256);
      int32_t zero = 0, one = 1;
      void* bt = upload(d, &zero, 4);
      void* cl = upload(d, &one, 4);
      void* o = tmp(d, 64);
      std::unique_ptr<atb::infer::PagedAttentionParam> p(new atb::infer::PagedAttentionParam());
      p->headNum = 2;
      p->kvHeadNum = 1;
      runAtb(d, "PagedAttention", *p,
             pack(PagedAttentionSlots{tensor(q, cd, {1, 2, 4}), tensor(kc, cd, {2, 4, 1, 4}), tensor(vc, cd, {2, 4, 1, 4}),
                                      tensor(bt, ACL_INT32, {1, 1}), tensor(cl, ACL_INT32, {1}), tensor(o, cd, {1, 2, 4})}));
    }
    finish(d);
  });
}
}  // extern "C"
