// Simulated aclnn (libnnopbase tensors + the libopapi MoE operators), ascend-api.md §1, §3b.
// GetWorkspaceSize validates and returns a single-use executor; the second phase needs the thread
// bound to the stream's device and at least the workspace asked for. Parameter errors answer
// ACL_ERROR_INVALID_PARAM (the real library uses its own 161xxx codes, not listed in ascend-api.md).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>
#include "aclnnop/aclnn_grouped_matmul_v4.h"
#include "aclnnop/aclnn_moe_gating_top_k_softmax.h"
#include "aclnnop/aclnn_moe_init_routing_v2.h"
#include "aclnnop/aclnn_moe_token_unpermute.h"
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
struct aclOpExecutor {
  uint64_t workspace;
  std::function<void(void* ws, Stream* st)> run;
};

namespace {
aclnnStatus bad(const std::string& op, const std::string& why) {
  setError(op + ": " + why);
  return ACL_ERROR_INVALID_PARAM;
}
bool half(aclDataType d) { return d == ACL_FLOAT16 || d == ACL_BF16; }
bool onDevice(const aclTensor* t) {
  return t && isDeviceRange(t->at(0), size_t(t->numel()) * dtypeBytes(t->dtype));
}
aclnnStatus launch(const char* op, void* ws, uint64_t wsSize, aclOpExecutor* exec, aclrtStream stream) {
  if (!exec) return bad(op, "null executor");
  if (aclError e = requireDevice(op)) return e;
  Stream* st = streamOf(stream);
  if (!st || st->device != currentDevice()) {
    delete exec;
    setError(std::string(op) + ": stream is not a stream of this thread's device");
    return ACL_ERROR_RT_STREAM_CONTEXT;
  }
  if (wsSize < exec->workspace || (exec->workspace > 0 && !isDeviceRange(ws, exec->workspace))) {
    aclnnStatus s = bad(op, "workspace of " + std::to_string(wsSize) + " bytes, GetWorkspaceSize asked for " +
                                std::to_string(exec->workspace) + " bytes of device memory");
    delete exec;
    return s;
  }
  exec->run(ws, st);
  delete exec;
  return ACL_SUCCESS;
}
aclnnStatus give(aclOpExecutor* e, uint64_t* ws, aclOpExecutor** out) {
  *ws = e->workspace;
  *out = e;
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
aclnnStatus aclDestroyTensorList(const aclTensorList* l) {
  if (l)
    for (const aclTensor* t : l->items) delete t;
  delete l;
  return ACL_SUCCESS;
}

// ---------------------------------------------------------------- MoeGatingTopKSoftmax
aclnnStatus aclnnMoeGatingTopKSoftmaxGetWorkspaceSize(const aclTensor* x, const aclTensor* finished, int64_t k,
                                                      aclTensor* y, aclTensor* expertIdx, aclTensor* rowIdx,
                                                      uint64_t* ws, aclOpExecutor** exec) {
  const char* op = "aclnnMoeGatingTopKSoftmax";
  if (!x || !y || !expertIdx || !rowIdx || !ws || !exec) return bad(op, "null argument");
  if (finished) return bad(op, "simulator: finished must be null");
  if (x->dims.size() != 2 || !x->contiguous()) return bad(op, "x must be contiguous [T, E]");
  int64_t T = x->dims[0], E = x->dims[1];
  if (k < 1 || k > E) return bad(op, "k out of range");
  if (y->dtype != x->dtype || y->numel() != T * k || expertIdx->dtype != ACL_INT32 || expertIdx->numel() != T * k ||
      rowIdx->dtype != ACL_INT32 || rowIdx->numel() != T * k)
    return bad(op, "y [T, k] (x dtype), expertIdx/rowIdx int32 [T, k]");
  if (!onDevice(x) || !onDevice(y) || !onDevice(expertIdx) || !onDevice(rowIdx)) return bad(op, "tensors must be device memory");
  aclTensor X = *x, Y = *y, I = *expertIdx, R = *rowIdx;
  return give(new aclOpExecutor{uint64_t(E) * 4, [=](void* w, Stream*) {
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
              }},
              ws, exec);
}
aclnnStatus aclnnMoeGatingTopKSoftmax(void* w, uint64_t n, aclOpExecutor* e, aclrtStream s) {
  return launch("aclnnMoeGatingTopKSoftmax", w, n, e, s);
}

// ---------------------------------------------------------------- MoeInitRoutingV2 (dropless)
aclnnStatus aclnnMoeInitRoutingV2GetWorkspaceSize(const aclTensor* x, const aclTensor* expertIdx, int64_t activeNum,
                                                  int64_t expertCapacity, int64_t expertNum, int64_t dropPadMode,
                                                  int64_t countFlag, bool beforeCapacityFlag, aclTensor* expandedX,
                                                  aclTensor* expandedRowIdx, aclTensor* cumsum, aclTensor* beforeCapacity,
                                                  uint64_t* ws, aclOpExecutor** exec) {
  const char* op = "aclnnMoeInitRoutingV2";
  if (!x || !expertIdx || !expandedX || !expandedRowIdx || !cumsum || !ws || !exec) return bad(op, "null argument");
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
  aclTensor X = *x, I = *expertIdx, EX = *expandedX, ER = *expandedRowIdx, C = *cumsum;
  return give(new aclOpExecutor{uint64_t(T * k) * 8, [=](void* w, Stream* st) {
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
              }},
              ws, exec);
}
aclnnStatus aclnnMoeInitRoutingV2(void* w, uint64_t n, aclOpExecutor* e, aclrtStream s) {
  return launch("aclnnMoeInitRoutingV2", w, n, e, s);
}

// ---------------------------------------------------------------- GroupedMatmulV4 (float, split on M)
aclnnStatus aclnnGroupedMatmulV4GetWorkspaceSize(
    const aclTensorList* x, const aclTensorList* weight, const aclTensorList* bias, const aclTensorList* scale,
    const aclTensorList* offset, const aclTensorList* aScale, const aclTensorList* aOffset, const aclTensorList* ptScale,
    const aclTensor* groupList, const aclTensorList* actIn, const aclTensorList* actQs, const aclTensorList* actQo,
    int64_t splitItem, int64_t groupType, int64_t groupListType, int64_t actType, aclTensorList* out,
    aclTensorList* actOut, aclTensorList* dynOut, uint64_t* ws, aclOpExecutor** exec) {
  const char* op = "aclnnGroupedMatmulV4";
  if (!x || !weight || !out || !groupList || !ws || !exec) return bad(op, "null argument");
  if (bias || scale || offset || aScale || aOffset || ptScale || actIn || actQs || actQo || actOut || dynOut)
    return bad(op, "simulator: float grouped matmul without bias, quantisation or activation only");
  if (groupType != 0 || groupListType != 0 || actType != 0 || (splitItem != 2 && splitItem != 3))
    return bad(op, "simulator: groupType 0 (split M), cumsum groupList, splitItem 2/3");
  if (x->items.size() != 1 || weight->items.size() != 1 || out->items.size() != 1) return bad(op, "one x, weight, out tensor");
  const aclTensor *X = x->items[0], *W = weight->items[0], *Y = out->items[0];
  if (X->dims.size() != 2 || W->dims.size() != 3 || !X->contiguous() || !Y->contiguous()) return bad(op, "x [M, K], weight [E, K, N]");
  int64_t M = X->dims[0], K = X->dims[1], E = W->dims[0], N = W->dims[2];
  if (W->dims[1] != K || Y->numel() != M * N || !half(X->dtype) || W->dtype != X->dtype || Y->dtype != X->dtype)
    return bad(op, "shapes/dtypes: x [M, K], weight [E, K, N], y [M, N], fp16/bf16");
  bool transposed = W->strides[0] == K * N && W->strides[1] == 1 && W->strides[2] == K;  // [E, N, K] memory
  if (!transposed && !W->contiguous()) return bad(op, "weight must be contiguous [E, K, N] or its transpose view");
  if (groupList->dtype != ACL_INT64 || groupList->numel() != E) return bad(op, "groupList int64 [E]");
  if (!onDevice(X) || !onDevice(Y) || !onDevice(groupList) ||
      !isDeviceRange(W->at(0), size_t(E * K * N) * dtypeBytes(W->dtype)))
    return bad(op, "tensors must be device memory");
  aclTensor XX = *X, WW = *W, YY = *Y, G = *groupList;
  return give(new aclOpExecutor{uint64_t(M * K + M * N + K * N) * 4, [=](void* w, Stream* st) {
                float* x32 = static_cast<float*>(w);
                float* y32 = x32 + M * K;
                float* wt = y32 + M * N;
                int dt = tnDtype(XX.dtype);
                tn_convert(XX.at(0), dt, x32, TN_F32, size_t(M * K));
                std::memset(y32, 0, size_t(M * N) * 4);
                const int64_t* gl = reinterpret_cast<const int64_t*>(G.at(0));
                int64_t start = 0;
                for (int64_t e = 0; e < E; e++) {
                  int64_t end = gl[e];
                  if (end < start || end > M) return kernelFault(st, "GroupedMatmul: groupList not a cumsum within M");
                  if (end > start) {
                    const char* we = WW.at(e * K * N);
                    if (transposed) {
                      tn_linear(x32 + start * K, int(end - start), int(K), we, dt, int(N), y32 + start * N, 0);
                    } else {
                      for (int64_t kk = 0; kk < K; kk++)
                        for (int64_t n = 0; n < N; n++) wt[n * K + kk] = loadFloat(we, WW.dtype, size_t(kk * N + n));
                      tn_linear(x32 + start * K, int(end - start), int(K), wt, TN_F32, int(N), y32 + start * N, 0);
                    }
                  }
                  start = end;
                }
                tn_convert(y32, TN_F32, YY.at(0), dt, size_t(M * N));
              }},
              ws, exec);
}
aclnnStatus aclnnGroupedMatmulV4(void* w, uint64_t n, aclOpExecutor* e, aclrtStream s) {
  return launch("aclnnGroupedMatmulV4", w, n, e, s);
}

// ---------------------------------------------------------------- MoeTokenUnpermute
aclnnStatus aclnnMoeTokenUnpermuteGetWorkspaceSize(const aclTensor* permuted, const aclTensor* sorted,
                                                   const aclTensor* probs, bool paddedMode, const aclIntArray* restore,
                                                   aclTensor* out, uint64_t* ws, aclOpExecutor** exec) {
  const char* op = "aclnnMoeTokenUnpermute";
  if (!permuted || !sorted || !probs || !out || !ws || !exec) return bad(op, "null argument");
  if (paddedMode || restore) return bad(op, "simulator: paddedMode false, no restoreShape");
  if (probs->dims.size() != 2 || permuted->dims.size() != 2) return bad(op, "probs [T, k], permuted [T*k, H]");
  int64_t T = probs->dims[0], k = probs->dims[1], H = permuted->dims[1];
  if (permuted->dims[0] != T * k || sorted->dtype != ACL_INT32 || sorted->numel() != T * k || out->numel() != T * H ||
      out->dtype != permuted->dtype || !half(permuted->dtype) || (probs->dtype != ACL_FLOAT && !half(probs->dtype)))
    return bad(op, "shapes/dtypes");
  if (!onDevice(permuted) || !onDevice(sorted) || !onDevice(probs) || !onDevice(out)) return bad(op, "tensors must be device memory");
  aclTensor P = *permuted, S = *sorted, W = *probs, O = *out;
  return give(new aclOpExecutor{uint64_t(H) * 4, [=](void* w, Stream* st) {
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
              }},
              ws, exec);
}
aclnnStatus aclnnMoeTokenUnpermute(void* w, uint64_t n, aclOpExecutor* e, aclrtStream s) {
  return launch("aclnnMoeTokenUnpermute", w, n, e, s);
}
}  // extern "C"
