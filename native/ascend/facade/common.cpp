// The facade's shared machinery (internal.h): failure reporting with the API's name and status
// name, stream-ordered temporaries, the kept ATB operations and aclnn executors, ATB tensors and
// VariantPacks, casts between an activation's dtype and the compute dtype, column copies, aclnn
// tensors.
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
  d->pendingOps.clear();
  for (auto& kv : d->atbOps) kv.second.inUse = 0;
  for (auto& kv : d->executors) kv.second.inUse = 0;
  for (TmpBlock& b : d->tmpBlocks) b.used = 0;
  for (TmpBlock& b : d->stagingBlocks) b.used = 0;
  d->queued = false;
}

void freeTmpBlocks(tna_device* d) {
  for (auto& kv : d->atbOps)
    for (atb::Operation* op : kv.second.ops) atb::DestroyOperation(op);
  d->atbOps.clear();
  for (auto& kv : d->executors)
    for (CachedExecutor& e : kv.second.execs) {
      aclDestroyAclOpExecutor(e.exec);
      for (aclTensorList* l : e.lists) aclDestroyTensorList(l);
      for (aclTensor* t : e.owned) aclDestroyTensor(t);
    }
  d->executors.clear();
  for (TmpBlock& b : d->tmpBlocks) aclrtFree(b.base);
  for (TmpBlock& b : d->stagingBlocks) aclrtFree(b.base);
  d->tmpBlocks.clear();
  d->stagingBlocks.clear();
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

void settle(tna_device* d) {
  if (d->queued) finish(d);
}

namespace {
// Cut from the first block with room (64-byte aligned, as aclrtMalloc's own); a new block, at least
// twice the last one, when none has: after the first steps of a shape the blocks hold a call's
// temporaries.
void* cut(tna_device* d, std::vector<TmpBlock>& blocks, size_t bytes) {
  size_t need = (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
  for (TmpBlock& b : blocks) {
    if (b.bytes - b.used >= need) {
      void* p = static_cast<char*>(b.base) + b.used;
      b.used += need;
      return p;
    }
  }
  size_t size = std::max<size_t>(need, blocks.empty() ? size_t(1) << 20 : 2 * blocks.back().bytes);
  TmpBlock b{nullptr, size, need};
  deviceMalloc(d, &b.base, size);
  blocks.push_back(b);
  return b.base;
}
}  // namespace

void* tmp(tna_device* d, size_t bytes) { return cut(d, d->tmpBlocks, bytes); }

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

std::string paramKey(const atb::infer::SoftmaxParam& p) {
  std::string k = "axes";
  for (size_t i = 0; i < p.axes.size(); i++) k += ":" + std::to_string(p.axes[i]);
  return k;
}

namespace {
template <class P>
std::string commKey(const P& p) {
  return std::to_string(p.rank) + "/" + std::to_string(p.rankSize) + "/" + std::to_string(p.rankRoot) + "/" +
         p.backend + "/" + std::to_string(reinterpret_cast<uintptr_t>(p.hcclComm)) + "/" +
         std::to_string(int(p.commMode)) + "/" + p.rankTableFile + "/" + p.commDomain;
}
}  // namespace

std::string paramKey(const atb::infer::AllReduceParam& p) {
  return commKey(p) + "/" + p.allReduceType + "/" + std::to_string(int(p.quantType)) + "/" +
         std::to_string(int(p.outDataType));
}
std::string paramKey(const atb::infer::AllGatherParam& p) { return commKey(p); }

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

aclDataType floatType(int dt) {
  if (dt != ACL_FLOAT && dt != ACL_FLOAT16 && dt != ACL_BF16) {
    fail(TNA_E_ARG, "activation dtype must be ACL_FLOAT, ACL_FLOAT16 or ACL_BF16, not " + std::to_string(dt));
  }
  return aclDataType(dt);
}

const void* inCompute(tna_device* d, const void* x, aclDataType io, int64_t n, aclDataType cd) {
  if (io == cd) return x;
  void* c = tmp(d, size_t(n) * esize(cd));
  cast(d, x, io, c, cd, n);
  return c;
}

void* outCompute(tna_device* d, void* out, aclDataType io, int64_t n, aclDataType cd) {
  return io == cd ? out : tmp(d, size_t(n) * esize(cd));
}

void storeResult(tna_device* d, const void* result, void* out, aclDataType io, int64_t n, aclDataType cd) {
  if (io != cd) cast(d, result, cd, out, io, n);
}

namespace {
// dst = src, `rows` rows of es-byte elements, queued on the device's stream: aclrtMemcpy2d takes no
// device-to-device kind, and a synchronous copy would not wait for the kernels that write src.
void copyColumns(tna_device* d, const Columns& dst, const Columns& src, int64_t rows, size_t es) {
  acl(aclrtMemcpy2dAsync(static_cast<char*>(dst.base) + dst.col * es, size_t(dst.pitch) * es,
                         static_cast<const char*>(src.base) + src.col * es, size_t(src.pitch) * es,
                         size_t(src.width) * es, size_t(rows), ACL_MEMCPY_DEVICE_TO_DEVICE, d->stream),
      "aclrtMemcpy2dAsync(D2D)");
  d->queued = true;
}
}  // namespace

Qkv computeQkv(tna_device* d, const void* qkv, int numTokens, int nq, int nk, int hd, aclDataType cd) {
  (void)d;
  return Qkv{const_cast<void*>(qkv), numTokens, nq, nk, hd, esize(cd)};
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
  void* p = cut(d, d->stagingBlocks, bytes);
  acl(aclrtMemcpy(p, bytes, host, bytes, ACL_MEMCPY_HOST_TO_DEVICE), "aclrtMemcpy(H2D)");
  return p;
}

aclDataType computeType(int cd) {
  if (cd != ACL_FLOAT16 && cd != ACL_BF16) {
    fail(TNA_E_ARG, "compute dtype must be ACL_FLOAT16 or ACL_BF16");
  }
  return aclDataType(cd);
}

NnArg nnT(const void* data, aclDataType dt, std::vector<int64_t> dims, std::vector<int64_t> strides) {
  if (strides.empty()) {
    strides.resize(dims.size());
    int64_t s = 1;
    for (size_t i = dims.size(); i-- > 0;) {
      strides[i] = s;
      s *= dims[i];
    }
  }
  return NnArg{data, dt, std::move(dims), std::move(strides), false};
}

NnArg nnList(const void* data, aclDataType dt, std::vector<int64_t> dims, std::vector<int64_t> strides) {
  NnArg a = nnT(data, dt, std::move(dims), std::move(strides));
  a.list = true;
  return a;
}

namespace {
std::string argKey(const std::vector<NnArg>& args) {
  std::string k;
  for (const NnArg& a : args) {
    k += a.absent() ? "-" : (a.list ? "L" : "T");
    k += std::to_string(int(a.dt)) + "[";
    for (int64_t v : a.dims) k += std::to_string(v) + ",";
    k += "/";
    for (int64_t v : a.strides) k += std::to_string(v) + ",";
    k += "]";
  }
  return k;
}

// The aclnn tensors (and lists) of args, owned by e from here on.
void makeTensors(CachedExecutor& e, const std::vector<NnArg>& args, std::vector<aclTensor*>& ts,
                 std::vector<aclTensorList*>& lists, std::vector<const void*>& addrs) {
  for (const NnArg& a : args) {
    if (a.absent()) {
      ts.push_back(nullptr);
      lists.push_back(nullptr);
      addrs.push_back(nullptr);
      continue;
    }
    int64_t storage = 1;
    for (size_t i = 0; i < a.dims.size(); i++) storage += (a.dims[i] - 1) * a.strides[i];
    aclTensor* t = aclCreateTensor(a.dims.data(), a.dims.size(), a.dt, a.strides.data(), 0, ACL_FORMAT_ND, &storage, 1,
                                   const_cast<void*>(a.data));
    if (!t) fail(TNA_E_ARG, "aclCreateTensor returned null");
    ts.push_back(t);
    addrs.push_back(a.data);
    if (a.list) {
      aclTensorList* l = aclCreateTensorList(&t, 1);
      if (!l) fail(TNA_E_ARG, "aclCreateTensorList returned null");
      e.lists.push_back(l);
      lists.push_back(l);
    } else {
      e.owned.push_back(t);
      lists.push_back(nullptr);
    }
  }
}

void refresh(const char* name, CachedExecutor& e, const std::vector<NnArg>& args, bool output) {
  std::vector<aclTensor*>& ts = output ? e.outs : e.ins;
  std::vector<const void*>& addrs = output ? e.outAddr : e.inAddr;
  for (size_t i = 0; i < args.size(); i++) {
    if (!ts[i] || addrs[i] == args[i].data) continue;
    void* a = const_cast<void*>(args[i].data);
    aclnnStatus s = output ? aclSetOutputTensorAddr(e.exec, i, ts[i], a) : aclSetInputTensorAddr(e.exec, i, ts[i], a);
    if (s != 0) {
      fail(s, std::string(name) + (output ? " aclSetOutputTensorAddr(" : " aclSetInputTensorAddr(") +
                  std::to_string(i) + ") returned " + std::to_string(s) + recent());
    }
    addrs[i] = args[i].data;
  }
}
}  // namespace

void runAclnn(tna_device* d, const char* name, const void* attrs, size_t attrBytes, const std::vector<NnArg>& ins,
              const std::vector<NnArg>& outs, NnGet get, NnLaunch launch) {
  std::string attrKey = attrBytes ? std::string(static_cast<const char*>(attrs), attrBytes) : std::string();
  std::string key = std::string(name) + '\0' + attrKey + '\0' +
                    argKey(ins) + "|" + argKey(outs);
  ExecutorPool& pool = d->executors[key];
  if (pool.inUse == pool.execs.size()) {
    CachedExecutor e;
    NnTensors t;
    try {
      makeTensors(e, ins, t.ins, t.inLists, e.inAddr);
      makeTensors(e, outs, t.outs, t.outLists, e.outAddr);
      aclnnStatus s = get(t, attrs, &e.workspace, &e.exec);
      if (s != 0) fail(s, std::string(name) + "GetWorkspaceSize returned " + std::to_string(s) + recent());
      d->counters.aclnn_executors_created++;
      s = aclSetAclOpExecutorRepeatable(e.exec);
      if (s != 0) fail(s, std::string(name) + " aclSetAclOpExecutorRepeatable returned " + std::to_string(s) + recent());
    } catch (...) {
      for (aclTensorList* l : e.lists) aclDestroyTensorList(l);
      for (aclTensor* x : e.owned) aclDestroyTensor(x);
      throw;
    }
    e.ins = t.ins;
    e.outs = t.outs;
    pool.execs.push_back(std::move(e));
  }
  CachedExecutor& e = pool.execs[pool.inUse++];
  refresh(name, e, ins, false);
  refresh(name, e, outs, true);
  void* w = e.workspace > 0 ? tmp(d, e.workspace) : nullptr;
  aclnnStatus s = launch(w, e.workspace, e.exec, d->stream);
  if (s != 0) fail(s, std::string(name) + " returned " + std::to_string(s) + recent());
  d->queued = true;
}

}  // namespace tna
