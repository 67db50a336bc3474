// Simulated aclnn (libnnopbase tensors and executors + the libopapi MoE and W8A8 operators).
// GetWorkspaceSize validates and returns an executor, consumed by its launch unless made
// repeatable at once (NN-REP-1..5 below); the second phase needs the thread bound to the stream's
// device and at least the workspace asked for, and queues the kernel on the stream (NN-1).
// Parameter errors answer as the aclnn docs list: 161001 for a null tensor, 161002 for a dtype /
// format / shape outside the operator's table, 561002 for a shape its tiling refuses, 561103 for
// a null executor or tensor handed to the executor calls.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <set>
#include <utility>
#include <vector>
#include "aclnnop/aclnn_dynamic_quant.h"
#include "aclnnop/aclnn_grouped_matmul_v4.h"
#include "aclnnop/aclnn_moe_gating_top_k_softmax.h"
#include "aclnnop/aclnn_moe_init_routing_v2.h"
#include "aclnnop/aclnn_moe_token_unpermute.h"
#include "aclnnop/aclnn_quant_matmul_v4.h"
#include "sim.h"
#include "tramontane_cpu.h"

using namespace tsim;

struct aclTensor {
  std::vector<int64_t> dims, strides;
  int64_t offset;
  aclDataType dtype;
  void* data;
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
  char* at(int64_t elem) const { return static_cast<char*>(data) + (offset + elem) * int64_t(dtypeBytes(dtype)); }
  bool contiguous() const {
    int64_t s = 1;
    for (size_t i = dims.size(); i-- > 0;) {
      if (dims[i] != 1 && strides[i] != s) return false;
      s *= dims[i];
    }
    return true;
  }
};
struct aclTensorList {
  std::vector<const aclTensor*> items;
};
// The executor keeps a copy of each tensor argument by the operator's tensor index (inputs in
// parameter order with lists expanded, an absent optional tensor holding its index as null), so a
// repeatable executor's kernel reads the addresses of its latest refresh.
struct aclOpExecutor {
  uint64_t workspace = 0;
  std::vector<const aclTensor*> inArg, outArg;  // the caller's tensors (null: absent)
  std::vector<aclTensor> in, out;               // what the kernel reads (absent: an empty tensor)
  std::function<void(aclOpExecutor* self, void* ws, Stream* st)> run;
  bool repeatable = false;
  bool launched = false;
  int queued = 0;          // launches queued and not yet run
  bool destroyed = false;  // aclDestroyAclOpExecutor came while launches were queued
};

namespace {
constexpr aclnnStatus kParamNullptr = 161001;   // ACLNN_ERR_PARAM_NULLPTR
constexpr aclnnStatus kParamInvalid = 161002;   // ACLNN_ERR_PARAM_INVALID
constexpr aclnnStatus kTilingError = 561002;    // ACLNN_ERR_INNER_TILING_ERROR

aclnnStatus bad(const std::string& op, const std::string& why, aclnnStatus code = kParamInvalid) {
  setError(op + ": " + why);
  return code;
}
aclnnStatus null(const std::string& op) { return bad(op, "null argument", kParamNullptr); }
Range rangeOf(const aclTensor* t) { return byteRange(t->at(0), size_t(t->numel()) * dtypeBytes(t->dtype)); }
bool half(aclDataType d) { return d == ACL_FLOAT16 || d == ACL_BF16; }
bool onDevice(const aclTensor* t) {
  return t && isDeviceRange(t->at(0), size_t(t->numel()) * dtypeBytes(t->dtype));
}
constexpr aclnnStatus kNullptr = 561103;  // a null executor or tensor (aclSetAclOpExecutorRepeatable docs)

// The executors GetWorkspaceSize made and nothing consumed or destroyed yet.
std::mutex g_exec_mu;
std::set<const aclOpExecutor*> g_execs;
bool live(const aclOpExecutor* e) {
  std::lock_guard<std::mutex> l(g_exec_mu);
  return g_execs.count(e) != 0;
}
void forget(const aclOpExecutor* e) {
  std::lock_guard<std::mutex> l(g_exec_mu);
  g_execs.erase(e);
}

aclnnStatus launch(const char* op, void* ws, uint64_t wsSize, aclOpExecutor* exec, aclrtStream stream) {
  if (!exec) return bad(op, "null executor");
  // NN-REP-2: an executor not made repeatable is released by its launch; a second launch has none
  if (!live(exec)) return bad(op, "not a live executor (one not made repeatable is consumed by its launch)");
  if (aclError e = requireDevice(op)) return e;
  Stream* st = streamOf(stream);
  if (!st || st->device != currentDevice()) {
    setError(std::string(op) + ": stream is not a stream of this thread's device");
    return ACL_ERROR_RT_STREAM_CONTEXT;
  }
  if (wsSize < exec->workspace || (exec->workspace > 0 && !isDeviceRange(ws, exec->workspace))) {
    return bad(op, "workspace of " + std::to_string(wsSize) + " bytes, GetWorkspaceSize asked for " +
                       std::to_string(exec->workspace) + " bytes of device memory");
  }
  Task t{op, {}, {}, nullptr};
  for (size_t i = 0; i < exec->in.size(); i++)
    if (exec->inArg[i]) t.reads.push_back(rangeOf(&exec->in[i]));
  for (size_t i = 0; i < exec->out.size(); i++)
    if (exec->outArg[i]) t.writes.push_back(rangeOf(&exec->out[i]));
  if (exec->workspace > 0) t.writes.push_back(byteRange(ws, exec->workspace));
  exec->launched = true;
  if (!exec->repeatable) forget(exec);
  exec->queued++;
  t.run = [exec, ws](Stream* s) {
    exec->run(exec, ws, s);
    if (--exec->queued == 0 && (!exec->repeatable || exec->destroyed)) delete exec;
  };
  enqueue(st, std::move(t));
  return ACL_SUCCESS;
}
// The dequantising epilogue of the int8 matmuls: (float(acc) * scale[n]) * tokenScale[m], each
// product rounded to f32 in that order (the cpu backend's int8 linear does the same).
inline float dequant(int32_t acc, float scale, float tokenScale) { return (float(acc) * scale) * tokenScale; }
// Exact int8 dot product with an int32 accumulator; w is read with stride `ws` elements.
inline int32_t dotI8(const int8_t* x, const int8_t* w, int64_t k, int64_t ws) {
  int32_t acc = 0;
  for (int64_t i = 0; i < k; i++) acc += int32_t(x[i]) * int32_t(w[i * ws]);
  return acc;
}
// A new executor over the operator's tensor arguments by index; each item of `lists` expands in place.
struct Arg {
  const aclTensor* t = nullptr;
  const aclTensorList* l = nullptr;
  Arg(const aclTensor* x) : t(x) {}
  Arg(const aclTensorList* x) : l(x) {}
};
void expand(std::initializer_list<Arg> args, std::vector<const aclTensor*>& ptrs, std::vector<aclTensor>& copies) {
  for (const Arg& a : args) {
    if (a.l) {
      for (const aclTensor* t : a.l->items) {
        ptrs.push_back(t);
        copies.push_back(*t);
      }
    } else {
      ptrs.push_back(a.t);
      copies.push_back(a.t ? *a.t : aclTensor{{}, {}, 0, ACL_FLOAT, nullptr});
    }
  }
}
aclOpExecutor* executor(uint64_t workspace, std::initializer_list<Arg> ins, std::initializer_list<Arg> outs) {
  aclOpExecutor* e = new aclOpExecutor();
  e->workspace = workspace;
  expand(ins, e->inArg, e->in);
  expand(outs, e->outArg, e->out);
  return e;
}
aclnnStatus give(aclOpExecutor* e, uint64_t* ws, aclOpExecutor** out) {
  {
    std::lock_guard<std::mutex> l(g_exec_mu);
    g_execs.insert(e);
  }
  *ws = e->workspace;
  *out = e;
  return ACL_SUCCESS;
}

// NN-REP-3: refreshing the address of tensor `index` of a repeatable executor.
aclnnStatus setAddr(const char* api, aclOpExecutor* e, size_t index, aclTensor* tensor, void* addr, bool output) {
  if (!e || !tensor) return bad(api, "null executor or tensor", kNullptr);
  if (!live(e)) return bad(api, "not a live executor");
  if (!e->repeatable) return bad(api, "the executor is not repeatable (aclSetAclOpExecutorRepeatable)");
  std::vector<const aclTensor*>& args = output ? e->outArg : e->inArg;
  std::vector<aclTensor>& copies = output ? e->out : e->in;
  if (index >= args.size()) {
    return bad(api, "index " + std::to_string(index) + " out of range [0, " + std::to_string(args.size()) + ")");
  }
  if (!args[index]) return bad(api, "tensor " + std::to_string(index) + " was null at GetWorkspaceSize");
  if (args[index] != tensor) return bad(api, "not the tensor the executor holds at index " + std::to_string(index));
  if (reinterpret_cast<uintptr_t>(addr) % 32 != 0) return bad(api, "address not 32-byte aligned");
  // derived from the reuse docs' warning about concurrent access: a launch still queued reads the old address
  if (e->queued > 0) return bad(api, "a launch of this executor is queued and not yet synchronised");
  aclTensor moved = copies[index];
  moved.data = addr;
  if (!onDevice(&moved)) return bad(api, "the new address is not device memory of the tensor's size");
  copies[index].data = addr;
  tensor->data = addr;
  return ACL_SUCCESS;
}
}  // namespace

extern "C" {

aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t n, aclDataType dataType, const int64_t* stride,
                           int64_t offset, aclFormat, const int64_t*, uint64_t, void* tensorData) {
  if (n > 8 || dtypeBytes(dataType) == 0) return nullptr;
  aclTensor* t = new aclTensor{std::vector<int64_t>(viewDims, viewDims + n), {}, offset, dataType, tensorData};
  if (stride) {
    t->strides.assign(stride, stride + n);
  } else {
    t->strides.resize(n);
    int64_t s = 1;
    for (size_t i = n; i-- > 0;) {
      t->strides[i] = s;
      s *= viewDims[i];
    }
  }
  return t;
}
aclnnStatus aclDestroyTensor(const aclTensor* t) {
  delete t;
  return ACL_SUCCESS;
}
aclTensorList* aclCreateTensorList(const aclTensor* const* value, uint64_t size) {
  return new aclTensorList{std::vector<const aclTensor*>(value, value + size)};
}
// NN-REP-1: only right after GetWorkspaceSize, before the executor's first launch.
aclnnStatus aclSetAclOpExecutorRepeatable(aclOpExecutor* e) {
  const char* api = "aclSetAclOpExecutorRepeatable";
  if (!e) return bad(api, "null executor", kNullptr);
  if (!live(e) || e->launched) return bad(api, "only right after GetWorkspaceSize, before the first launch");
  e->repeatable = true;
  return ACL_SUCCESS;
}
// NN-REP-4: destroys a repeatable executor (once its queued launches ran).
aclnnStatus aclDestroyAclOpExecutor(aclOpExecutor* e) {
  const char* api = "aclDestroyAclOpExecutor";
  if (!e) return bad(api, "null executor", kNullptr);
  if (!live(e) || !e->repeatable) return bad(api, "not a live repeatable executor");
  forget(e);
  if (e->queued > 0) {
    e->destroyed = true;
  } else {
    delete e;
  }
  return ACL_SUCCESS;
}
aclnnStatus aclSetInputTensorAddr(aclOpExecutor* e, const size_t index, aclTensor* tensor, void* addr) {
  return setAddr("aclSetInputTensorAddr", e, index, tensor, addr, false);
}
aclnnStatus aclSetOutputTensorAddr(aclOpExecutor* e, const size_t index, aclTensor* tensor, void* addr) {
  return setAddr("aclSetOutputTensorAddr", e, index, tensor, addr, true);
}

aclnnStatus aclDestroyTensorList(const aclTensorList* l) {
  if (l)
    for (const aclTensor* t : l->items) delete t;
  delete l;
  return ACL_SUCCESS;
}

// ---------------------------------------------------------------- MoeGatingTopKSoftmax
aclnnStatus aclnnMoeGatingTopKSoftmaxGetWorkspaceSize(const aclTensor* x, const aclTensor* finished, int64_t k,
                                                      const aclTensor* y, const aclTensor* expertIdx, const aclTensor* rowIdx,
                                                      uint64_t* ws, aclOpExecutor** exec) {
  const char* op = "aclnnMoeGatingTopKSoftmax";
  if (!x || !y || !expertIdx || !rowIdx || !ws || !exec) return null(op);
  if (finished) return bad(op, "simulator: finished must be null");
  if (x->dims.size() != 2 || !x->contiguous()) return bad(op, "x must be contiguous [T, E]");
  int64_t T = x->dims[0], E = x->dims[1];
  if (k < 1 || k > E || k > 1024) return bad(op, "k must be in [1, min(E, 1024)] (NN-GATE-1)", kTilingError);
  if (y->dtype != x->dtype || y->numel() != T * k || expertIdx->dtype != ACL_INT32 || expertIdx->numel() != T * k ||
      rowIdx->dtype != ACL_INT32 || rowIdx->numel() != T * k)
    return bad(op, "y [T, k] (x dtype), expertIdx/rowIdx int32 [T, k]");
  if (!onDevice(x) || !onDevice(y) || !onDevice(expertIdx) || !onDevice(rowIdx)) return bad(op, "tensors must be device memory");

  aclOpExecutor* ex = executor(uint64_t(E) * 4, {x, finished}, {y, expertIdx, rowIdx});
  ex->run = [=](aclOpExecutor* self, void* w, Stream*) {
    const aclTensor &X = self->in[0], &Y = self->out[0], &I = self->out[1], &R = self->out[2];
                float* p = static_cast<float*>(w);
                for (int64_t t = 0; t < T; t++) {
                  float mx = -INFINITY, sum = 0;
                  for (int64_t e = 0; e < E; e++) mx = std::fmax(mx, p[e] = loadFloat(X.at(0), X.dtype, t * E + e));
                  for (int64_t e = 0; e < E; e++) sum += p[e] = std::exp(p[e] - mx);
                  for (int64_t e = 0; e < E; e++) p[e] /= sum;
                  std::vector<bool> used(E, false);
                  for (int64_t j = 0; j < k; j++) {
                    int64_t best = -1;
                    for (int64_t e = 0; e < E; e++)
                      if (!used[e] && (best < 0 || p[e] > p[best])) best = e;
                    used[best] = true;
                    storeFloat(Y.at(0), Y.dtype, t * k + j, p[best]);
                    reinterpret_cast<int32_t*>(I.at(0))[t * k + j] = int32_t(best);
                    reinterpret_cast<int32_t*>(R.at(0))[t * k + j] = int32_t(j * T + t);
                  }
                }
              };
  return give(ex, ws, exec);
}
aclnnStatus aclnnMoeGatingTopKSoftmax(void* w, uint64_t n, aclOpExecutor* e, aclrtStream s) {
  return launch("aclnnMoeGatingTopKSoftmax", w, n, e, s);
}

// ---------------------------------------------------------------- MoeInitRoutingV2 (dropless)
aclnnStatus aclnnMoeInitRoutingV2GetWorkspaceSize(const aclTensor* x, const aclTensor* expertIdx, int64_t activeNum,
                                                  int64_t expertCapacity, int64_t expertNum, int64_t dropPadMode,
                                                  int64_t countFlag, bool beforeCapacityFlag, const aclTensor* expandedX,
                                                  const aclTensor* expandedRowIdx, const aclTensor* cumsum,
                                                  const aclTensor* beforeCapacity,
                                                  uint64_t* ws, aclOpExecutor** exec) {
  const char* op = "aclnnMoeInitRoutingV2";
  if (!x || !expertIdx || !expandedX || !expandedRowIdx || !cumsum || !ws || !exec) return null(op);
  if (dropPadMode != 0 || expertCapacity != 0 || countFlag != 1 || beforeCapacityFlag || beforeCapacity)
    return bad(op, "simulator: dropless, cumsum output only");
  if (x->dims.size() != 2 || expertIdx->dims.size() != 2 || expertIdx->dtype != ACL_INT32) return bad(op, "x [T, H], expertIdx int32 [T, k]");
  int64_t T = x->dims[0], H = x->dims[1], k = expertIdx->dims[1], E = expertNum;
  if (expertIdx->dims[0] != T || activeNum != T * k) return bad(op, "activeNum must be T*k");
  if (expandedX->dtype != x->dtype || expandedX->numel() != T * k * H || expandedRowIdx->dtype != ACL_INT32 ||
      expandedRowIdx->numel() != T * k || cumsum->dtype != ACL_INT32 || cumsum->numel() != E)
    return bad(op, "expandedX [T*k, H], expandedRowIdx int32 [T*k], cumsum int32 [E]");
  if (!onDevice(x) || !onDevice(expertIdx) || !onDevice(expandedX) || !onDevice(expandedRowIdx) || !onDevice(cumsum))
    return bad(op, "tensors must be device memory");

  aclOpExecutor* ex = executor(uint64_t(T * k) * 8, {x, expertIdx}, {expandedX, expandedRowIdx, cumsum, beforeCapacity});
  ex->run = [=](aclOpExecutor* self, void* w, Stream* st) {
    const aclTensor &X = self->in[0], &I = self->in[1], &EX = self->out[0], &ER = self->out[1], &C = self->out[2];
                const int32_t* ids = reinterpret_cast<const int32_t*>(I.at(0));
                int64_t* order = static_cast<int64_t*>(w);
                for (int64_t i = 0; i < T * k; i++) {
                  if (ids[i] < 0 || ids[i] >= E) return kernelFault(st, "MoeInitRoutingV2: expert id out of range");
                  order[i] = i;
                }
                std::stable_sort(order, order + T * k, [&](int64_t a, int64_t b) { return ids[a] < ids[b]; });
                size_t rb = size_t(H) * dtypeBytes(X.dtype);
                int32_t* cs = reinterpret_cast<int32_t*>(C.at(0));
                for (int64_t e = 0; e < E; e++) cs[e] = 0;
                for (int64_t r = 0; r < T * k; r++) {
                  int64_t src = order[r];
                  std::memcpy(EX.at(r * H), X.at((src / k) * H), rb);
                  reinterpret_cast<int32_t*>(ER.at(0))[src] = int32_t(r);
                  cs[ids[src]]++;
                }
                for (int64_t e = 1; e < E; e++) cs[e] += cs[e - 1];
              };
  return give(ex, ws, exec);
}
aclnnStatus aclnnMoeInitRoutingV2(void* w, uint64_t n, aclOpExecutor* e, aclrtStream s) {
  return launch("aclnnMoeInitRoutingV2", w, n, e, s);
}

// ---------------------------------------------------------------- GroupedMatmulV4 (split on M)
// Float: x, weight, y one of fp16/bf16. W8A8 per-token (MindIE's CreateW8A8Token): x int8 [M, K],
// weight int8 [E, K, N], scale float [E, N], perTokenScale float [M], y fp16/bf16 [M, N] =
// (x_e @ W_e) * scale_e * perTokenScale, exact int32 accumulation.
aclnnStatus aclnnGroupedMatmulV4GetWorkspaceSize(
    const aclTensorList* x, const aclTensorList* weight, const aclTensorList* bias, const aclTensorList* scale,
    const aclTensorList* offset, const aclTensorList* aScale, const aclTensorList* aOffset, const aclTensorList* ptScale,
    const aclTensor* groupList, const aclTensorList* actIn, const aclTensorList* actQs, const aclTensorList* actQo,
    int64_t splitItem, int64_t groupType, int64_t groupListType, int64_t actType, aclTensorList* out,
    aclTensorList* actOut, aclTensorList* dynOut, uint64_t* ws, aclOpExecutor** exec) {
  const char* op = "aclnnGroupedMatmulV4";
  if (!x || !weight || !out || !groupList || !ws || !exec) return null(op);
  if (bias || offset || aScale || aOffset || actIn || actQs || actQo || actOut || dynOut)
    return bad(op, "simulator: no bias, offset, antiquant or fused activation");
  if (groupType != 0 || groupListType != 0 || actType != 0 || (splitItem != 2 && splitItem != 3))
    return bad(op, "simulator: groupType 0 (split M), cumsum groupList, splitItem 2/3");
  if (x->items.size() != 1 || weight->items.size() != 1 || out->items.size() != 1) return bad(op, "one x, weight, out tensor");
  const aclTensor *X = x->items[0], *W = weight->items[0], *Y = out->items[0];
  if (X->dims.size() != 2 || W->dims.size() != 3 || !X->contiguous() || !Y->contiguous()) return bad(op, "x [M, K], weight [E, K, N]");
  int64_t M = X->dims[0], K = X->dims[1], E = W->dims[0], N = W->dims[2];
  bool quant = X->dtype == ACL_INT8;
  if (quant) {
    if (!scale || !ptScale || scale->items.size() != 1 || ptScale->items.size() != 1)
      return bad(op, "int8 x needs one scale [E, N] and one perTokenScale [M] tensor");
    if (W->dtype != ACL_INT8 || !half(Y->dtype)) return bad(op, "W8A8: x, weight int8, y fp16/bf16");
    const aclTensor *S = scale->items[0], *P = ptScale->items[0];
    // NN-GMM-2 (A2/A3): a BFLOAT16 scale gives BFLOAT16 out, a FLOAT32 scale FLOAT16 out; no other pairing
    if (!((S->dtype == ACL_BF16 && Y->dtype == ACL_BF16) || (S->dtype == ACL_FLOAT && Y->dtype == ACL_FLOAT16)))
      return bad(op, "W8A8: scale dtype " + std::to_string(int(S->dtype)) + " with out dtype " +
                         std::to_string(int(Y->dtype)) + ": A2 takes a BFLOAT16 scale for BFLOAT16 out and a FLOAT32 "
                         "scale for FLOAT16 out (NN-GMM-2)");
    if (S->numel() != E * N || !S->contiguous() || P->dtype != ACL_FLOAT || P->numel() != M || !P->contiguous())
      return bad(op, "W8A8: scale [E, N], perTokenScale float [M]");
    if (!onDevice(S) || !onDevice(P)) return bad(op, "tensors must be device memory");
  } else {
    if (scale || ptScale) return bad(op, "scale / perTokenScale are for int8 x only");
    if (!half(X->dtype) || W->dtype != X->dtype || Y->dtype != X->dtype)
      return bad(op, "float: x, weight, y one of fp16/bf16");
  }
  if (W->dims[1] != K || Y->numel() != M * N) return bad(op, "shapes: x [M, K], weight [E, K, N], y [M, N]");
  bool transposed = W->strides[0] == K * N && W->strides[1] == 1 && W->strides[2] == K;  // [E, N, K] memory
  if (!transposed && !W->contiguous()) return bad(op, "weight must be contiguous [E, K, N] or its transpose view");
  if (groupList->dtype != ACL_INT64 || groupList->numel() != E || E > 1024)
    return bad(op, "groupList int64 [E], at most 1024 groups (NN-GMM-4)");
  if (K >= 65536 || N >= 65536) return bad(op, "the last dims of x and weight must be below 65536 (NN-GMM-4)");
  if (!onDevice(X) || !onDevice(Y) || !onDevice(groupList) ||
      !isDeviceRange(W->at(0), size_t(E * K * N) * dtypeBytes(W->dtype)))
    return bad(op, "tensors must be device memory");
  // tensor indices: x 0, weight 1, bias 2, scale 3, offset 4, antiquant scale / offset 5, 6,
  // perTokenScale 7, groupList 8, the activation inputs 9-11 (each list here holds one tensor)
  aclOpExecutor* ex = executor(quant ? 0 : uint64_t(M * K + M * N + K * N) * 4,
                               {x, weight, bias, scale, offset, aScale, aOffset, ptScale, groupList, actIn, actQs, actQo},
                               {out, actOut, dynOut});
  if (quant) {
    ex->run = [=](aclOpExecutor* self, void*, Stream* st) {
                  const aclTensor &XX = self->in[0], &WW = self->in[1], &SS = self->in[3], &PP = self->in[7],
                                  &G = self->in[8], &YY = self->out[0];
                  const int8_t* xq = reinterpret_cast<const int8_t*>(XX.at(0));
                  const int8_t* wq = reinterpret_cast<const int8_t*>(WW.at(0));
                  const float* pt = reinterpret_cast<const float*>(PP.at(0));
                  const int64_t* gl = reinterpret_cast<const int64_t*>(G.at(0));
                  if (gl[E - 1] != M) return kernelFault(st, "GroupedMatmul: the groupList cumsum does not end at M");
                  int64_t start = 0;
                  for (int64_t e = 0; e < E; e++) {
                    int64_t end = gl[e];
                    if (end < start || end > M) return kernelFault(st, "GroupedMatmul: groupList not a cumsum within M");
                    const int8_t* we = wq + e * K * N;
                    for (int64_t r = start; r < end; r++)
                      for (int64_t n = 0; n < N; n++) {
                        int32_t acc = transposed ? dotI8(xq + r * K, we + n * K, K, 1) : dotI8(xq + r * K, we + n, K, N);
                        float sc = loadFloat(SS.at(0), SS.dtype, size_t(e * N + n));
                        storeFloat(YY.at(0), YY.dtype, size_t(r * N + n), dequant(acc, sc, pt[r]));
                      }
                    start = end;
                  }
                };
    return give(ex, ws, exec);
  }
  ex->run = [=](aclOpExecutor* self, void* w, Stream* st) {
                const aclTensor &XX = self->in[0], &WW = self->in[1], &G = self->in[8], &YY = self->out[0];
                float* x32 = static_cast<float*>(w);
                float* y32 = x32 + M * K;
                float* wt = y32 + M * N;
                int dt = tnDtype(XX.dtype);
                tn_convert(XX.at(0), dt, x32, TN_F32, size_t(M * K));
                std::memset(y32, 0, size_t(M * N) * 4);
                const int64_t* gl = reinterpret_cast<const int64_t*>(G.at(0));
                if (gl[E - 1] != M) return kernelFault(st, "GroupedMatmul: the groupList cumsum does not end at M");
                int64_t start = 0;
                for (int64_t e = 0; e < E; e++) {
                  int64_t end = gl[e];
                  if (end < start || end > M) return kernelFault(st, "GroupedMatmul: groupList not a cumsum within M");
                  if (end > start) {
                    const char* we = WW.at(e * K * N);
                    if (transposed) {
                      const tn_linear_weight w = {we, nullptr, dt, TN_ACT_NONE};
                      tn_linear(x32 + start * K, int(end - start), int(K), &w, int(N), y32 + start * N, 0);
                    } else {
                      for (int64_t kk = 0; kk < K; kk++)
                        for (int64_t n = 0; n < N; n++) wt[n * K + kk] = loadFloat(we, WW.dtype, size_t(kk * N + n));
                      const tn_linear_weight w = {wt, nullptr, TN_F32, TN_ACT_NONE};
                      tn_linear(x32 + start * K, int(end - start), int(K), &w, int(N), y32 + start * N, 0);
                    }
                  }
                  start = end;
                }
                tn_convert(y32, TN_F32, YY.at(0), dt, size_t(M * N));
              };
  return give(ex, ws, exec);
}
aclnnStatus aclnnGroupedMatmulV4(void* w, uint64_t n, aclOpExecutor* e, aclrtStream s) {
  return launch("aclnnGroupedMatmulV4", w, n, e, s);
}

// ---------------------------------------------------------------- MoeTokenUnpermute
aclnnStatus aclnnMoeTokenUnpermuteGetWorkspaceSize(const aclTensor* permuted, const aclTensor* sorted,
                                                   const aclTensor* probs, bool paddedMode, const aclIntArray* restore,
                                                   aclTensor* out, uint64_t* ws, aclOpExecutor** exec) {
  const char* op = "aclnnMoeTokenUnpermute";
  if (!permuted || !sorted || !probs || !out || !ws || !exec) return null(op);
  if (paddedMode || restore) return bad(op, "simulator: paddedMode false, no restoreShape");
  if (probs->dims.size() != 2 || permuted->dims.size() != 2) return bad(op, "probs [T, k], permuted [T*k, H]");
  int64_t T = probs->dims[0], k = probs->dims[1], H = permuted->dims[1];
  if (k > 512) return bad(op, "topK must be at most 512 (NN-UNP-1)");
  if (permuted->dims[0] != T * k || sorted->dtype != ACL_INT32 || sorted->numel() != T * k || out->numel() != T * H ||
      out->dtype != permuted->dtype || !half(permuted->dtype) || (probs->dtype != ACL_FLOAT && !half(probs->dtype)))
    return bad(op, "shapes/dtypes");
  if (!onDevice(permuted) || !onDevice(sorted) || !onDevice(probs) || !onDevice(out)) return bad(op, "tensors must be device memory");

  aclOpExecutor* ex = executor(uint64_t(H) * 4, {permuted, sorted, probs}, {out});
  ex->run = [=](aclOpExecutor* self, void* w, Stream* st) {
    const aclTensor &P = self->in[0], &S = self->in[1], &W = self->in[2], &O = self->out[0];
                float* acc = static_cast<float*>(w);
                const int32_t* idx = reinterpret_cast<const int32_t*>(S.at(0));
                for (int64_t t = 0; t < T; t++) {
                  for (int64_t h = 0; h < H; h++) acc[h] = 0;
                  for (int64_t j = 0; j < k; j++) {
                    int64_t r = idx[t * k + j];
                    if (r < 0 || r >= T * k) return kernelFault(st, "MoeTokenUnpermute: index out of range");
                    float p = loadFloat(W.at(0), W.dtype, size_t(t * k + j));
                    for (int64_t h = 0; h < H; h++) acc[h] += p * loadFloat(P.at(0), P.dtype, size_t(r * H + h));
                  }
                  for (int64_t h = 0; h < H; h++) storeFloat(O.at(0), O.dtype, size_t(t * H + h), acc[h]);
                }
              };
  return give(ex, ws, exec);
}
aclnnStatus aclnnMoeTokenUnpermute(void* w, uint64_t n, aclOpExecutor* e, aclrtStream s) {
  return launch("aclnnMoeTokenUnpermute", w, n, e, s);
}

// ---------------------------------------------------------------- DynamicQuant
aclnnStatus aclnnDynamicQuantGetWorkspaceSize(const aclTensor* x, const aclTensor* smooth, const aclTensor* y,
                                              const aclTensor* scale, uint64_t* ws, aclOpExecutor** exec) {
  const char* op = "aclnnDynamicQuant";
  if (!x || !y || !scale || !ws || !exec) return null(op);
  if (smooth) return bad(op, "simulator: smoothScales must be null");
  if (x->dims.size() < 2 || !x->contiguous() || !half(x->dtype)) return bad(op, "x fp16/bf16, contiguous, at least 2-D");
  int64_t k = x->dims.back(), rows = x->numel() / k;
  if (y->dtype != ACL_INT8 || y->numel() != x->numel() || !y->contiguous()) return bad(op, "y int8 like x");
  if (scale->dtype != ACL_FLOAT || scale->numel() != rows) return bad(op, "scale float [rows]");
  if (!onDevice(x) || !onDevice(y) || !onDevice(scale)) return bad(op, "tensors must be device memory");

  aclOpExecutor* ex = executor(uint64_t(rows * k) * 4, {x, smooth}, {y, scale});
  ex->run = [=](aclOpExecutor* self, void* w, Stream*) {
    const aclTensor &X = self->in[0], &Y = self->out[0], &S = self->out[1];
                float* x32 = static_cast<float*>(w);
                tn_convert(X.at(0), tnDtype(X.dtype), x32, TN_F32, size_t(rows * k));
                tn_quantize_rows(x32, int(rows), int(k), reinterpret_cast<int8_t*>(Y.at(0)),
                                 reinterpret_cast<float*>(S.at(0)));
              };
  return give(ex, ws, exec);
}
aclnnStatus aclnnDynamicQuant(void* w, uint64_t n, aclOpExecutor* e, aclrtStream s) {
  return launch("aclnnDynamicQuant", w, n, e, s);
}

// ---------------------------------------------------------------- QuantMatmulV4 (per-token)
aclnnStatus aclnnQuantMatmulV4GetWorkspaceSize(const aclTensor* x1, const aclTensor* x2, const aclTensor* scale,
                                               const aclTensor* offset, const aclTensor* pertoken,
                                               const aclTensor* bias, bool transposeX1, bool transposeX2,
                                               const aclTensor* out, uint64_t* ws, aclOpExecutor** exec) {
  const char* op = "aclnnQuantMatmulV4";
  if (!x1 || !x2 || !scale || !out || !ws || !exec) return null(op);
  if (offset || bias || transposeX1) return bad(op, "simulator: no offset, no bias, transposeX1 false");
  if (!pertoken) return bad(op, "simulator: per-token scale required (W8A8 dynamic)");
  if (x1->dtype != ACL_INT8 || x2->dtype != ACL_INT8) return bad(op, "x1, x2 int8");
  if (x1->dims.size() != 2 || x2->dims.size() != 2 || !x1->contiguous() || !x2->contiguous())
    return bad(op, "simulator: 2-D contiguous x1 [m, k] and x2 ([k, n], or [n, k] with transposeX2)");
  int64_t m = x1->dims[0], k = x1->dims[1];
  int64_t n = transposeX2 ? x2->dims[0] : x2->dims[1];
  if ((transposeX2 ? x2->dims[1] : x2->dims[0]) != k) return bad(op, "x1 and x2 disagree on k");
  if ((scale->dtype != ACL_FLOAT && scale->dtype != ACL_BF16) || scale->numel() != n)
    return bad(op, "simulator: scale FLOAT32 or BFLOAT16 [n]");
  if (pertoken->dtype != ACL_FLOAT || pertoken->numel() != m) return bad(op, "pertokenScale float [m]");
  if (!half(out->dtype) || out->numel() != m * n || !out->contiguous()) return bad(op, "out fp16/bf16 [m, n]");
  // NN-QMM-1 (A2/A3): FLOAT16 out takes a FLOAT32 scale (with a FLOAT32 pertokenScale); BFLOAT16 out either
  if (out->dtype == ACL_FLOAT16 && scale->dtype != ACL_FLOAT)
    return bad(op, "FLOAT16 out needs a FLOAT32 scale and pertokenScale (NN-QMM-1)");
  if (!onDevice(x1) || !onDevice(x2) || !onDevice(scale) || !onDevice(pertoken) || !onDevice(out))
    return bad(op, "tensors must be device memory");

  aclOpExecutor* ex = executor(0, {x1, x2, scale, offset, pertoken, bias}, {out});
  ex->run = [=](aclOpExecutor* self, void*, Stream*) {
    const aclTensor &A = self->in[0], &B = self->in[1], &S = self->in[2], &P = self->in[4], &O = self->out[0];
                const int8_t* a = reinterpret_cast<const int8_t*>(A.at(0));
                const int8_t* b = reinterpret_cast<const int8_t*>(B.at(0));
                const float* pt = reinterpret_cast<const float*>(P.at(0));
                for (int64_t r = 0; r < m; r++)
                  for (int64_t j = 0; j < n; j++) {
                    int32_t acc = transposeX2 ? dotI8(a + r * k, b + j * k, k, 1) : dotI8(a + r * k, b + j, k, n);
                    storeFloat(O.at(0), O.dtype, size_t(r * n + j), dequant(acc, loadFloat(S.at(0), S.dtype, j), pt[r]));
                  }
              };
  return give(ex, ws, exec);
}
aclnnStatus aclnnQuantMatmulV4(void* w, uint64_t n, aclOpExecutor* e, aclrtStream s) {
  return launch("aclnnQuantMatmulV4", w, n, e, s);
}
}  // extern "C"
