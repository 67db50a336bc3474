// The facade's shared machinery (internal.h): failure reporting with the API's name and status
// name, per-call temporaries released at the stream sync, ATB tensors and VariantPacks, casts and
// column copies between the f32 activations and the compute dtype, aclnn tensors.
#include <algorithm>
#include <string>
#include "internal.h"

namespace tna {
namespace {
thread_local std::string t_err;

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

}  // namespace

void setError(const std::string& msg) { t_err = msg; }
const std::string& lastError() { return t_err; }

void fail(int code, const std::string& msg) {
  t_err = msg;
  throw Fail{code};
}

std::string recent() {
  const char* m = aclGetRecentErrMsg();
  return m && *m ? std::string(": ") + m : std::string();
}

void acl(aclError e, const char* api) {
  if (e == ACL_SUCCESS) return;
  fail(e, std::string(api) + " returned " + std::to_string(e) + " (" + aclName(e) + ")" + recent());
}

void atbCheck(atb::Status s, const char* op, const char* phase) {
  if (s == atb::NO_ERROR) return;
  fail(s, std::string("ATB ") + op + " " + phase + " returned " + std::to_string(s) + " (ERROR_" + atbName(s) + ")" +
              recent());
}

namespace {
const char* hcclName(int r) {
  static const char* names[] = {"HCCL_SUCCESS", "HCCL_E_PARA", "HCCL_E_PTR", "HCCL_E_MEMORY", "HCCL_E_INTERNAL",
                                "HCCL_E_NOT_SUPPORT", "HCCL_E_NOT_FOUND", "HCCL_E_UNAVAIL", "HCCL_E_SYSCALL",
                                "HCCL_E_TIMEOUT", "HCCL_E_OPEN_FILE_FAILURE", "HCCL_E_TCP_CONNECT",
                                "HCCL_E_ROCE_CONNECT", "HCCL_E_TCP_TRANSFER", "HCCL_E_ROCE_TRANSFER",
                                "HCCL_E_RUNTIME", "HCCL_E_DRV", "HCCL_E_PROFILING", "HCCL_E_CCE", "HCCL_E_NETWORK",
                                "HCCL_E_AGAIN", "HCCL_E_REMOTE"};
  return r >= 0 && r < 22 ? names[r] : "HcclResult";
}
}  // namespace

void hccl(HcclResult r, const char* api) {
  if (r == HCCL_SUCCESS) return;
  fail(int(r), std::string(api) + " returned " + std::to_string(int(r)) + " (" + hcclName(int(r)) + ")" + recent());
}

void releasePending(tna_device* d) {
  for (atb::Operation* op : d->pendingOps) atb::DestroyOperation(op);
  for (aclTensor* t : d->pendingTensors) aclDestroyTensor(t);
  for (aclTensorList* l : d->pendingLists) aclDestroyTensorList(l);
  for (TmpBlock& b : d->tmpBlocks) b.used = 0;
  d->pendingOps.clear();
  d->pendingTensors.clear();
  d->pendingLists.clear();
}

void freeTmpBlocks(tna_device* d) {
  for (TmpBlock& b : d->tmpBlocks) aclrtFree(b.base);
  d->tmpBlocks.clear();
}

void deviceMalloc(tna_device* d, void** p, size_t bytes) {
  acl(aclrtMalloc(p, bytes, ACL_MEM_MALLOC_HUGE_FIRST), "aclrtMalloc");
  d->counters.device_mallocs++;
}

// Synchronises the stream (kernel faults surface here) and frees what the kernels used.
void finish(tna_device* d) {
  aclError e = aclrtSynchronizeStream(d->stream);
  d->counters.stream_syncs++;
  releasePending(d);
  acl(e, "aclrtSynchronizeStream");
}

// Cut from the first block with room (64-byte aligned, as aclrtMalloc's own); a new block, at least
// twice the last one, when none has: a step's temporaries fit the blocks after its first call.
void* tmp(tna_device* d, size_t bytes) {
  size_t need = (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
  for (TmpBlock& b : d->tmpBlocks) {
    if (b.bytes - b.used >= need) {
      void* p = static_cast<char*>(b.base) + b.used;
      b.used += need;
      return p;
    }
  }
  size_t size = std::max<size_t>(need, d->tmpBlocks.empty() ? size_t(1) << 20 : 2 * d->tmpBlocks.back().bytes);
  TmpBlock b{nullptr, size, need};
  deviceMalloc(d, &b.base, size);
  d->tmpBlocks.push_back(b);
  return b.base;
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

atb::Tensor tensor(const void* dev, aclDataType dt, std::initializer_list<int64_t> dims, const void* host) {
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

namespace {
atb::VariantPack packLists(std::initializer_list<atb::Tensor> in, std::initializer_list<atb::Tensor> out) {
  atb::VariantPack p;
  for (const atb::Tensor& t : in) p.inTensors.push_back(t);
  for (const atb::Tensor& t : out) p.outTensors.push_back(t);
  return p;
}
}  // namespace

atb::VariantPack pack(const CastSlots& s) { return packLists({s.x}, {s.out}); }
atb::VariantPack pack(const BinarySlots& s) { return packLists({s.x, s.y}, {s.out}); }
atb::VariantPack pack(const LinearSlots& s) { return packLists({s.x, s.weight}, {s.out}); }
atb::VariantPack pack(const RmsNormSlots& s) { return packLists({s.x, s.gamma}, {s.y}); }
atb::VariantPack pack(const RopeSlots& s) { return packLists({s.q, s.k, s.cos, s.sin, s.seqLen}, {s.ropeQ, s.ropeK}); }
atb::VariantPack pack(const SelfAttentionSlots& s) { return packLists({s.query, s.key, s.value, s.mask, s.seqLen}, {s.out}); }
atb::VariantPack pack(const PrefixEncoderSlots& s) {
  return packLists({s.query, s.keyCache, s.valueCache, s.blockTables, s.mask, s.seqLen, s.kvSeqLen}, {s.out});
}
atb::VariantPack pack(const PagedAttentionSlots& s) {
  return packLists({s.query, s.keyCache, s.valueCache, s.blockTables, s.contextLens}, {s.out});
}
atb::VariantPack pack(const PagedAttentionMaskSlots& s) {
  return packLists({s.query, s.keyCache, s.valueCache, s.blockTables, s.contextLens, s.mask}, {s.out});
}
atb::VariantPack pack(const ReshapeAndCacheSlots& s) {
  return packLists({s.key, s.value, s.keyCache, s.valueCache, s.slots}, {s.outKeyCache, s.outValueCache});
}
atb::VariantPack pack(const GatherSlots& s) { return packLists({s.x, s.indices}, {s.out}); }
atb::VariantPack pack(const UnarySlots& s) { return packLists({s.x}, {s.y}); }

namespace {
void castOnce(tna_device* d, const void* src, aclDataType from, void* dst, aclDataType to, int64_t n) {
  std::unique_ptr<atb::infer::ElewiseParam> p(new atb::infer::ElewiseParam());
  p->elewiseType = atb::infer::ElewiseParam::ELEWISE_CAST;
  p->outTensorType = to;
  runAtb(d, "Elewise(CAST)", *p, pack(CastSlots{tensor(src, from, {n}), tensor(dst, to, {n})}));
}
bool isHalf(aclDataType t) { return t == ACL_FLOAT16 || t == ACL_BF16; }
}  // namespace

void cast(tna_device* d, const void* src, aclDataType from, void* dst, aclDataType to, int64_t n) {
  if (isHalf(from) && isHalf(to) && from != to) {
    void* f32 = tmp(d, size_t(n) * 4);
    castOnce(d, src, from, f32, ACL_FLOAT, n);
    castOnce(d, f32, ACL_FLOAT, dst, to, n);
    return;
  }
  castOnce(d, src, from, dst, to, n);
}

// A device copy of f32 data in the compute dtype.
void* toCompute(tna_device* d, const void* f32, int64_t n, aclDataType cd) {
  void* out = tmp(d, size_t(n) * esize(cd));
  cast(d, f32, ACL_FLOAT, out, cd, n);
  return out;
}

namespace {
// dst = src, `rows` rows of es-byte elements, queued on the device's stream: aclrtMemcpy2d takes no
// device-to-device kind, and a synchronous copy would not wait for the kernels that write src.
void copyColumns(tna_device* d, const Columns& dst, const Columns& src, int64_t rows, size_t es) {
  acl(aclrtMemcpy2dAsync(static_cast<char*>(dst.base) + dst.col * es, size_t(dst.pitch) * es,
                         static_cast<const char*>(src.base) + src.col * es, size_t(src.pitch) * es,
                         size_t(src.width) * es, size_t(rows), ACL_MEMCPY_DEVICE_TO_DEVICE, d->stream),
      "aclrtMemcpy2dAsync(D2D)");
}
}  // namespace

Qkv computeQkv(tna_device* d, const float* qkv, int numTokens, int nq, int nk, int hd, aclDataType cd) {
  Qkv s{nullptr, numTokens, nq, nk, hd, esize(cd)};
  s.all = toCompute(d, qkv, s.numTokens * s.width(), cd);
  return s;
}

void* dense(tna_device* d, const Qkv& qkv, const Columns& c) {
  void* block = tmp(d, size_t(qkv.numTokens * c.width) * qkv.es);
  copyColumns(d, Columns{block, c.width, 0, c.width}, c, qkv.numTokens, qkv.es);
  return block;
}

void putBack(tna_device* d, const Qkv& qkv, const Columns& c, const void* block) {
  copyColumns(d, c, Columns{const_cast<void*>(block), c.width, 0, c.width}, qkv.numTokens, qkv.es);
}

void* upload(tna_device* d, const void* host, size_t bytes) {
  void* p = tmp(d, bytes);
  acl(aclrtMemcpy(p, bytes, host, bytes, ACL_MEMCPY_HOST_TO_DEVICE), "aclrtMemcpy(H2D)");
  return p;
}

aclDataType computeType(int cd) {
  if (cd != ACL_FLOAT16 && cd != ACL_BF16) {
    fail(TNA_E_ARG, "compute dtype must be ACL_FLOAT16 or ACL_BF16");
  }
  return aclDataType(cd);
}

aclTensor* aclT(tna_device* d, const void* data, aclDataType dt, std::vector<int64_t> dims,
                std::vector<int64_t> strides) {
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
    fail(TNA_E_ARG, "aclCreateTensor returned null");
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

}  // namespace tna
