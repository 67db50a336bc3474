// What the facade's translation units share (namespace tna): the device handle, failure reporting,
// the per-call temporaries, ATB tensors and VariantPacks built from one named-slot struct per
// operation, the ATB and aclnn call sequences, and the casts between the f32 activations the ABI
// carries and the compute dtype. Never seen by Java: tramontane_ascend.h is the ABI.
#ifndef TRAMONTANE_ASCEND_INTERNAL_H
#define TRAMONTANE_ASCEND_INTERNAL_H
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <string>
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

struct tna_device {
  int id = -1;
  aclrtStream stream = nullptr;
  atb::Context* ctx = nullptr;
  std::vector<TmpBlock> tmpBlocks;            // workspaces and temporaries, reused after the sync
  std::vector<atb::Operation*> pendingOps;
  std::vector<aclTensor*> pendingTensors;
  std::vector<aclTensorList*> pendingLists;
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

// Destroys the operations, tensors and lists of the calls since the last sync; their temporaries'
// memory is free for the next call.
void releasePending(tna_device* d);
// Frees the temporaries' device memory (the device closes).
void freeTmpBlocks(tna_device* d);
// aclrtMalloc, counted.
void deviceMalloc(tna_device* d, void** p, size_t bytes);
// Synchronises the stream (kernel faults surface here) and frees what the kernels used.
void finish(tna_device* d);
// Device memory that lives until the next finish().
void* tmp(tna_device* d, size_t bytes);
// A temporary device copy of host data.
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

// Create, Setup, allocate the workspace Setup asked for, Execute on the device's stream. The
// operation and workspace stay alive until finish().
template <class P>
void runAtb(tna_device* d, const char* name, const P& param, const atb::VariantPack& pack) {
  atb::Operation* op = nullptr;
  atbCheck(atb::CreateOperation(param, &op), name, "CreateOperation");
  d->counters.atb_operations_created++;
  d->pendingOps.push_back(op);
  uint64_t ws = 0;
  atbCheck(op->Setup(pack, ws, d->ctx), name, "Setup");
  void* w = ws > 0 ? tmp(d, ws) : nullptr;
  atbCheck(op->Execute(pack, static_cast<uint8_t*>(w), ws, d->ctx), name, "Execute");
}

// dst = (to) src, elementwise (Elewise CAST). Pairs CAST does not take (fp16 <-> bf16: its
// atb_ops_info.ini rows are fp16 <-> f32, bf16 <-> f32, int32 <-> int64) go through f32.
void cast(tna_device* d, const void* src, aclDataType from, void* dst, aclDataType to, int64_t n);
// A temporary device copy of f32 data in the compute dtype.
void* toCompute(tna_device* d, const void* f32, int64_t n, aclDataType cd);

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
// qkv f32 [numTokens, width] cast to the compute dtype.
Qkv computeQkv(tna_device* d, const float* qkv, int numTokens, int nq, int nk, int hd, aclDataType cd);
// A dense temporary [numTokens, c.width] copy of the columns c of qkv.
void* dense(tna_device* d, const Qkv& qkv, const Columns& c);
// Writes a dense [numTokens, c.width] block back into the columns c of qkv.
void putBack(tna_device* d, const Qkv& qkv, const Columns& c, const void* block);

// An aclnn tensor over device memory (contiguous strides unless given), destroyed at finish().
aclTensor* aclT(tna_device* d, const void* data, aclDataType dt, std::vector<int64_t> dims,
                std::vector<int64_t> strides = {});
// A one-tensor list that owns t from here on.
aclTensorList* aclList(tna_device* d, aclTensor* t);

// Two-phase aclnn call: GetWorkspaceSize (through `get`), workspace, launch on the stream.
template <class Get, class Launch>
void runAclnn(tna_device* d, const char* name, Get&& get, Launch launch) {
  uint64_t ws = 0;
  aclOpExecutor* exec = nullptr;
  aclnnStatus s = get(&ws, &exec);
  if (s != 0) fail(s, std::string(name) + "GetWorkspaceSize returned " + std::to_string(s) + recent());
  d->counters.aclnn_executors_created++;
  void* w = ws > 0 ? tmp(d, ws) : nullptr;
  s = launch(w, ws, exec, d->stream);
  if (s != 0) fail(s, std::string(name) + " returned " + std::to_string(s) + recent());
}

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
