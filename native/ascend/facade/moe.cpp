// The MoE and W8A8 operations in MindIE's sparse_moe / integrated_gmm sequence: the router
// (Linear + aclnnMoeGatingTopKSoftmax + renormalisation), the experts (MoeInitRoutingV2, grouped
// matmuls, SwiGLU, MoeTokenUnpermute), and the W8A8 dynamic linear (DynamicQuant + QuantMatmulV4).
#include <memory>
#include "aclnnop/aclnn_dynamic_quant.h"
#include "aclnnop/aclnn_grouped_matmul_v4.h"
#include "aclnnop/aclnn_moe_gating_top_k_softmax.h"
#include "aclnnop/aclnn_moe_init_routing_v2.h"
#include "aclnnop/aclnn_moe_token_unpermute.h"
#include "aclnnop/aclnn_quant_matmul_v4.h"
#include "internal.h"

using namespace tna;

namespace {
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
  // NN-GMM-2: on A2 an fp16 out takes f32 weight scales, a bf16 out bf16 ones (see scalesFor)
  aclDataType sdt = cd == ACL_BF16 ? ACL_BF16 : ACL_FLOAT;
  aclTensor* g = aclT(d, cum64, ACL_INT64, {E});
  aclTensorList* xl = aclList(d, aclT(d, x, xdt, {R, Kd}));
  aclTensorList* wl = aclList(d, aclT(d, w, xdt, {E, Kd, N}, {N * Kd, 1, Kd}));
  aclTensorList* yl = aclList(d, aclT(d, y, cd, {R, N}));
  aclTensorList* sl = wScale ? aclList(d, aclT(d, wScale, sdt, {E, N})) : nullptr;
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

// The weight scales f32 [n] as grouped matmuls out in cd take them: f32 for fp16 out, a bf16
// temporary for bf16 out (NN-GMM-2).
const void* scalesFor(tna_device* d, const float* scale, int64_t n, aclDataType cd) {
  return cd == ACL_BF16 ? toCompute(d, scale, n, ACL_BF16) : scale;
}

void swiglu(tna_device* d, const void* gu, void* act, int64_t R, int64_t I, aclDataType cd) {
  std::unique_ptr<atb::infer::ActivationParam> sw(new atb::infer::ActivationParam());
  sw->activationType = atb::infer::ACTIVATION_SWIGLU_FORWARD;
  runAtb(d, "Activation(SWIGLU_FORWARD)", *sw, pack(UnarySlots{tensor(gu, cd, {R, 2 * I}), tensor(act, cd, {R, I})}));
}
}  // namespace

extern "C" {

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
                  scalesFor(d, gateUpScale, E * 2 * int64_t(I), cd), xs, r.cum64, gu, cd);
    void* act = tmp(d, size_t(R) * I * es);
    swiglu(d, gu, act, R, I, cd);
    void* aq = tmp(d, size_t(R) * I);
    void* as = tmp(d, size_t(R) * 4);
    dynamicQuant(d, act, cd, R, I, aq, as);
    void* dn = tmp(d, size_t(R) * H * es);
    groupedMatmul(d, "aclnnGroupedMatmulV4(down, W8A8)", aq, ACL_INT8, R, I, down, E, H,
                  scalesFor(d, downScale, E * int64_t(H), cd), as, r.cum64, dn, cd);
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

}  // extern "C"
