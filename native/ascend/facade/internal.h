// What the facade's translation units share (namespace tna): the device handle, failure reporting,
// the per-call temporaries, ATB tensors and VariantPacks built from one named-slot struct per
// operation, the ATB operations and aclnn executors kept for reuse, the ATB and aclnn call
// sequences, and the casts between an activation's dtype and the compute dtype. Never seen by
// Java: tramontane_ascend.h is the ABI.
#ifndef TRAMONTANE_ASCEND_INTERNAL_H
#define TRAMONTANE_ASCEND_INTERNAL_H
#include <cstdint>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>
#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "atb/atb_infer.h"
#include "hccl/hccl.h"
#include "tramontane_ascend.h"

// Device memory the calls' workspaces and temporaries are cut from, kept across calls: after the
// first steps of a shape no call allocates device memory.
struct TmpBlock {
  void* base;
  size_t bytes, used;
};

// The ATB operations made with one param (the key): ops[0, inUse) have Executes queued since the
// last sync, the rest are free to be Setup again. An operation is Setup again only once its queued
// Execute ran: ATB documents re-Setup for every new VariantPack (ATB-6), not a Setup while a
// kernel of the op is still queued.
struct OpPool {
  std::vector<atb::Operation*> ops;
  size_t inUse = 0;
};

// One repeatable aclnn executor (aclSetAclOpExecutorRepeatable) and the aclnn tensors it was made
// with: the tensors' shapes, dtypes and strides are fixed from then on, only their addresses are
// refreshed (aclSetInputTensorAddr / aclSetOutputTensorAddr). ins / outs follow the operator's
// tensor indices (lists expanded, absent optional tensors holding their index as nullptr).
struct CachedExecutor {
  aclOpExecutor* exec = nullptr;
  uint64_t workspace = 0;
  std::vector<aclTensor*> ins, outs;
  std::vector<const void*> inAddr, outAddr;
  std::vector<aclTensorList*> lists;  // own the listed tensors
  std::vector<aclTensor*> owned;      // the tensors no list owns
};
// The executors made for one (operator, attributes, tensor shapes): execs[0, inUse) have launches
// queued since the last sync; their addresses are refreshed only once those ran (a refresh while
// the launch is queued would race it).
struct ExecutorPool {
  std::vector<CachedExecutor> execs;
  size_t inUse = 0;
};

struct tna_device {
  int id = -1;
  aclrtStream stream = nullptr;
  atb::Context* ctx = nullptr;
  // Kernel temporaries and workspaces, in stream order: every call starts cutting from the first
  // block again, since the kernels of a later call run after those of an earlier one on the one
  // stream; nothing the host writes synchronously lives here.
  std::vector<TmpBlock> tmpBlocks;
  // Host data uploaded synchronously (aclrtMemcpy): reused only after the stream's sync, as a
  // synchronous copy must not overwrite what a queued kernel still reads (ACL-7).
  std::vector<TmpBlock> stagingBlocks;
  std::map<std::string, OpPool> atbOps;
  std::vector<atb::Operation*> pendingOps;    // made for one call outside the pools (the test probes)
  std::map<std::string, ExecutorPool> executors;
  bool queued = false;                        // work enqueued since the last sync
  void* mask[2] = {nullptr, nullptr};         // [128, 128] triu masks (fp16, bf16)
  tna_device_counters counters{};             // what the facade asked of the runtime (tna_counters)
};
namespace tna {
// Thrown inside a facade call once the message is recorded; guarded() turns it into the status.
struct Fail {
  int code;
};

// The message tna_last_error() returns on this thread.
void setError(const std::string& msg);
const std::string& lastError();
// Records msg and throws Fail{code}.
[[noreturn]] void fail(int code, const std::string& msg);
// ACL's recent error text as ": <text>", or "" when it has none.
std::string recent();

// Each throws Fail with a message naming the API when the status is not success.
void acl(aclError e, const char* api);
void atbCheck(atb::Status s, const char* op, const char* phase);
void hccl(HcclResult r, const char* api);

// Runs one facade call: exceptions and failures become a status.
template <class F>
int guarded(tna_device* d, F&& body) {
  if (!d) {
    setError("null device handle");
    return TNA_E_ARG;
  }
  for (TmpBlock& b : d->tmpBlocks) b.used = 0;  // stream order: this call's kernels follow the last call's
  try {
    body();
  } catch (const Fail& f) {
    return f.code;
  } catch (const std::exception& e) {
    setError(std::string("C++ exception: ") + e.what());
    return TNA_E_EXCEPTION;
  } catch (...) {
    setError("unknown C++ exception");
    return TNA_E_EXCEPTION;
  }
  return TNA_OK;
}

// After a sync: every kept operation and executor is free for reuse, the staging memory too.
void releasePending(tna_device* d);
// Destroys the kept operations and executors and frees the temporaries' device memory (the device
// closes, after its last sync).
void freeTmpBlocks(tna_device* d);
// aclrtMalloc, counted.
void deviceMalloc(tna_device* d, void** p, size_t bytes);
// Synchronises the stream (kernel faults surface here) and frees what the kernels used.
void finish(tna_device* d);
// finish() when work was queued since the last sync (before the host touches device memory).
void settle(tna_device* d);
// Device memory for this call's kernels (stream-ordered: the next call reuses it).
void* tmp(tna_device* d, size_t bytes);
// A device copy of host data that lives until the next sync.
void* upload(tna_device* d, const void* host, size_t bytes);
size_t esize(aclDataType t);
// ACL_FLOAT16 or ACL_BF16, else Fail{TNA_E_ARG}.
aclDataType computeType(int cd);

// An ND atb::Tensor over device memory; `host` is the host copy the ops that tile on the CPU read.
atb::Tensor tensor(const void* dev, aclDataType dt, std::initializer_list<int64_t> dims, const void* host = nullptr);

// ---- one named-slot struct per operation: the only place that knows each tensor list's order ----
struct CastSlots { atb::Tensor x; atb::Tensor out; };
struct BinarySlots { atb::Tensor x, y; atb::Tensor out; };
struct LinearSlots { atb::Tensor x, weight; atb::Tensor out; };
struct RmsNormSlots { atb::Tensor x, gamma; atb::Tensor y; };
struct RopeSlots { atb::Tensor q, k, cos, sin, seqLen; atb::Tensor ropeQ, ropeK; };
struct SelfAttentionSlots { atb::Tensor query, key, value, mask, seqLen; atb::Tensor out; };
// SelfAttention PREFIX_ENCODER: seqLen = query tokens per sequence, kvSeqLen = its context (both with hostData)
struct PrefixEncoderSlots { atb::Tensor query, keyCache, valueCache, blockTables, mask, seqLen, kvSeqLen; atb::Tensor out; };
struct PagedAttentionSlots { atb::Tensor query, keyCache, valueCache, blockTables, contextLens; atb::Tensor out; };
// PagedAttention with maskType MASK_TYPE_NORM: the mask follows contextLens
struct PagedAttentionMaskSlots { atb::Tensor query, keyCache, valueCache, blockTables, contextLens, mask; atb::Tensor out; };
struct ReshapeAndCacheSlots { atb::Tensor key, value, keyCache, valueCache, slots; atb::Tensor outKeyCache, outValueCache; };
struct GatherSlots { atb::Tensor x, indices; atb::Tensor out; };
struct UnarySlots { atb::Tensor x; atb::Tensor y; };

atb::VariantPack pack(const CastSlots& s);
atb::VariantPack pack(const BinarySlots& s);
atb::VariantPack pack(const LinearSlots& s);
atb::VariantPack pack(const RmsNormSlots& s);
atb::VariantPack pack(const RopeSlots& s);
atb::VariantPack pack(const SelfAttentionSlots& s);
atb::VariantPack pack(const PrefixEncoderSlots& s);
atb::VariantPack pack(const PagedAttentionSlots& s);
atb::VariantPack pack(const PagedAttentionMaskSlots& s);
atb::VariantPack pack(const ReshapeAndCacheSlots& s);
atb::VariantPack pack(const GatherSlots& s);
atb::VariantPack pack(const UnarySlots& s);

// The key of an ATB operation's param: its bytes where the param is trivially copyable (made with
// `new P()`, so padding is zero), else the fields the facade sets.
std::string paramKey(const atb::infer::SoftmaxParam& p);
std::string paramKey(const atb::infer::AllReduceParam& p);
std::string paramKey(const atb::infer::AllGatherParam& p);
template <class P>
std::string paramKey(const P& p) {
  static_assert(std::is_trivially_copyable<P>::value, "give this param a paramKey overload");
  return std::string(reinterpret_cast<const char*>(&p), sizeof(P));
}

// A free operation of `param` (from the pool of its key, or CreateOperation), marked in use until
// the next sync.
template <class P>
atb::Operation* operationFor(tna_device* d, const char* name, const P& param) {
  OpPool& pool = d->atbOps[std::string(name) + '\0' + typeid(P).name() + '\0' + paramKey(param)];
  if (pool.inUse == pool.ops.size()) {
    atb::Operation* op = nullptr;
    atbCheck(atb::CreateOperation(param, &op), name, "CreateOperation");
    d->counters.atb_operations_created++;
    pool.ops.push_back(op);
  }
  return pool.ops[pool.inUse++];
}

// Setup (every call: the VariantPack is new, ATB-6), the workspace Setup asked for, Execute on
// the device's stream. Operation and workspace stay alive until the stream is synchronised.
template <class P>
void runAtb(tna_device* d, const char* name, const P& param, const atb::VariantPack& pack) {
  atb::Operation* op = operationFor(d, name, param);
  uint64_t ws = 0;
  atbCheck(op->Setup(pack, ws, d->ctx), name, "Setup");
  void* w = ws > 0 ? tmp(d, ws) : nullptr;
  atbCheck(op->Execute(pack, static_cast<uint8_t*>(w), ws, d->ctx), name, "Execute");
  d->queued = true;
}

// dst = (to) src, elementwise (Elewise CAST). Pairs CAST does not take (fp16 <-> bf16: its
// atb_ops_info.ini rows are fp16 <-> f32, bf16 <-> f32, int32 <-> int64) go through f32.
void cast(tna_device* d, const void* src, aclDataType from, void* dst, aclDataType to, int64_t n);
// A temporary device copy of f32 data in the compute dtype.
void* toCompute(tna_device* d, const void* f32, int64_t n, aclDataType cd);
// ACL_FLOAT, ACL_FLOAT16 or ACL_BF16 (an activation's dtype), else Fail{TNA_E_ARG}.
aclDataType floatType(int dt);
// x of n elements in dtype `io` as the compute dtype: x itself when io is cd, else a cast copy.
const void* inCompute(tna_device* d, const void* x, aclDataType io, int64_t n, aclDataType cd);
// Where a result of n elements in cd goes before it lands in out (dtype io): out itself when io is
// cd, else a temporary that storeResult casts into out.
void* outCompute(tna_device* d, void* out, aclDataType io, int64_t n, aclDataType cd);
void storeResult(tna_device* d, const void* result, void* out, aclDataType io, int64_t n, aclDataType cd);

// Columns [col, col + width) of a row-major device matrix with `pitch` elements per row.
struct Columns {
  void* base;
  int64_t pitch, col, width;
};
// The fused qkv rows [numTokens, (nq + 2 nk) hd] of one call, in the compute dtype, and where its
// q, k and v columns lie.
struct Qkv {
  void* all;
  int64_t numTokens, nq, nk, hd;
  size_t es;
  int64_t width() const { return (nq + 2 * nk) * hd; }
  Columns q() const { return {all, width(), 0, nq * hd}; }
  Columns k() const { return {all, width(), nq * hd, nk * hd}; }
  Columns v() const { return {all, width(), (nq + nk) * hd, nk * hd}; }
};
// The fused qkv activation [numTokens, width], already in the compute dtype (activations are).
Qkv computeQkv(tna_device* d, const void* qkv, int numTokens, int nq, int nk, int hd, aclDataType cd);
// A dense temporary [numTokens, c.width] copy of the columns c of qkv.
void* dense(tna_device* d, const Qkv& qkv, const Columns& c);
// Writes a dense [numTokens, c.width] block back into the columns c of qkv.
void putBack(tna_device* d, const Qkv& qkv, const Columns& c, const void* block);

// One tensor argument of an aclnn operator, by the operator's tensor index: a device tensor
// (contiguous strides unless given), optionally passed as a one-tensor list, or an absent optional
// tensor (data null, no dims).
struct NnArg {
  const void* data = nullptr;
  aclDataType dt = ACL_FLOAT;
  std::vector<int64_t> dims, strides;
  bool list = false;
  bool absent() const { return dims.empty(); }
};
NnArg nnT(const void* data, aclDataType dt, std::vector<int64_t> dims, std::vector<int64_t> strides = {});
NnArg nnList(const void* data, aclDataType dt, std::vector<int64_t> dims, std::vector<int64_t> strides = {});
inline NnArg nnNone() { return NnArg{}; }

// The aclnn objects of one executor's arguments as its GetWorkspaceSize takes them.
struct NnTensors {
  std::vector<aclTensor*> ins, outs;
  std::vector<aclTensorList*> inLists, outLists;  // per argument: its list, or nullptr
  aclTensor* in(size_t i) const { return ins[i]; }
  aclTensor* out(size_t i) const { return outs[i]; }
  aclTensorList* inList(size_t i) const { return inLists[i]; }
  aclTensorList* outList(size_t i) const { return outLists[i]; }
};
using NnGet = aclnnStatus (*)(const NnTensors& t, const void* attrs, uint64_t* ws, aclOpExecutor** e);
using NnLaunch = aclnnStatus (*)(void* ws, uint64_t wsSize, aclOpExecutor* e, aclrtStream s);
// Two-phase aclnn call through a kept executor: one made for the same operator, attributes
// (`attrs`, compared by their bytes) and tensor shapes whose launches have run is reused with the
// tensors' new addresses; otherwise GetWorkspaceSize makes one (`get`), made repeatable at once.
// Then the workspace and the launch on the stream.
void runAclnn(tna_device* d, const char* name, const void* attrs, size_t attrBytes, const std::vector<NnArg>& ins,
              const std::vector<NnArg>& outs, NnGet get, NnLaunch launch);

// One rank's place in its tensor-parallel group, as the collectives' params take it.
struct Group {
  const char* backend;
  int rank, rankSize;
  tna_hccl* hcclComm;
  const char* commDomain;
};

// AllReduceParam / AllGatherParam for rank g.rank of the group, made with `new` so that ATB's
// defaults apply to the rest; commMode COMM_MULTI_THREAD (one process, one thread per device).
template <class P>
std::unique_ptr<P> groupParam(const Group& g) {
  if (!g.backend || !g.commDomain) fail(TNA_E_ARG, "collective: backend or comm_domain is null");
  std::unique_ptr<P> p(new P());
  p->rank = g.rank;
  p->rankSize = g.rankSize;
  p->backend = g.backend;
  p->hcclComm = static_cast<HcclComm>(g.hcclComm);
  p->commMode = atb::infer::COMM_MULTI_THREAD;
  p->commDomain = g.commDomain;
  return p;
}
}  // namespace tna
#endif
