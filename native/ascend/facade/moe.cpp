// The MoE and W8A8 operations in MindIE's sparse_moe / integrated_gmm sequence: the router
// (Linear + aclnnMoeGatingTopKSoftmax + renormalisation), the experts (MoeInitRoutingV2, grouped
// matmuls, SwiGLU, MoeTokenUnpermute), and the W8A8 dynamic linear (DynamicQuant + QuantMatmulV4).
// Activations come and go in their own dtype (the compute dtype inside a block); every aclnn
// operator runs through a kept, repeatable executor (runAclnn), and nothing synchronises: the
// expert ids stay on the device from the router to the routing.
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
  runAclnn(d, "aclnnDynamicQuant", nullptr, 0, {nnT(x, cd, {rows, k}), nnNone()},
           {nnT(xq, ACL_INT8, {rows, k}), nnT(xs, ACL_FLOAT, {rows})},
           [](const NnTensors& t, const void*, uint64_t* ws, aclOpExecutor** e) {
             return aclnnDynamicQuantGetWorkspaceSize(t.in(0), nullptr, t.out(0), t.out(1), ws, e);
           },
           aclnnDynamicQuant);
}

// Tokens sorted by expert (MoeInitRoutingV2, dropless, cumsum) and the cumsum as int64 for the GMMs.
struct Routed {
  void* expanded;  // [T*k, H] in cd
  void* rowIdx;    // int32 [T*k]
  void* cum64;     // int64 [E]
};
struct RoutingAttrs {
  int64_t activeNum, expertNum;
};
Routed route(tna_device* d, const void* x16, aclDataType cd, int64_t T, int64_t H, int64_t E, int64_t K,
             const int32_t* ids) {
  int64_t R = T * K;
  Routed r{tmp(d, size_t(R * H) * esize(cd)), tmp(d, size_t(R) * 4), tmp(d, size_t(E) * 8)};
  void* cum32 = tmp(d, size_t(E) * 4);
  RoutingAttrs a{R, E};
  runAclnn(d, "aclnnMoeInitRoutingV2", &a, sizeof a, {nnT(x16, cd, {T, H}), nnT(ids, ACL_INT32, {T, K})},
           {nnT(r.expanded, cd, {R, H}), nnT(r.rowIdx, ACL_INT32, {R}), nnT(cum32, ACL_INT32, {E}), nnNone()},
           [](const NnTensors& t, const void* at, uint64_t* ws, aclOpExecutor** e) {
             const RoutingAttrs& a = *static_cast<const RoutingAttrs*>(at);
             return aclnnMoeInitRoutingV2GetWorkspaceSize(t.in(0), t.in(1), a.activeNum, 0, a.expertNum, 0, 1, false,
                                                          t.out(0), t.out(1), t.out(2), nullptr, ws, e);
           },
           aclnnMoeInitRoutingV2);
  cast(d, cum32, ACL_INT32, r.cum64, ACL_INT64, E);
  return r;
}

// One grouped matmul over the routed rows: y [R, N] (cd) = x [R, Kd] . W_e^T per expert group, W stored
// [E, N, Kd] and seen as [E, Kd, N] (transposed view). Float: x and W in cd. W8A8: x int8 with per-row
// scales xScale [R], W int8 with scales wScale [E, N]. The tensor indices follow the operator's
// parameters: x, weight, bias, scale, offset, antiquantScale, antiquantOffset, perTokenScale,
// groupList, activationInput, activationQuantScale, activationQuantOffset; out, activationFeatureOut,
// dynQuantScaleOut.
void groupedMatmul(tna_device* d, const char* name, const void* x, aclDataType xdt, int64_t R, int64_t Kd,
                   const void* w, int64_t E, int64_t N, const void* wScale, const void* xScale, const void* cum64,
                   void* y, aclDataType cd) {
  // NN-GMM-2: on A2 an fp16 out takes f32 weight scales, a bf16 out bf16 ones (see scalesFor)
  aclDataType sdt = cd == ACL_BF16 ? ACL_BF16 : ACL_FLOAT;
  runAclnn(d, name, nullptr, 0,
           {nnList(x, xdt, {R, Kd}), nnList(w, xdt, {E, Kd, N}, {N * Kd, 1, Kd}), nnNone(),
            wScale ? nnList(wScale, sdt, {E, N}) : nnNone(), nnNone(), nnNone(), nnNone(),
            xScale ? nnList(xScale, ACL_FLOAT, {R}) : nnNone(), nnT(cum64, ACL_INT64, {E}), nnNone(), nnNone(),
            nnNone()},
           {nnList(y, cd, {R, N}), nnNone(), nnNone()},
           [](const NnTensors& t, const void*, uint64_t* ws, aclOpExecutor** e) {
             return aclnnGroupedMatmulV4GetWorkspaceSize(t.inList(0), t.inList(1), nullptr, t.inList(3), nullptr, nullptr,
                                                         nullptr, t.inList(7), t.in(8), nullptr, nullptr, nullptr, 2, 0,
                                                         0, 0, t.outList(0), nullptr, nullptr, ws, e);
           },
           aclnnGroupedMatmulV4);
}

// out[T, H] (cd) = sum_j probs[t, j] * rows of dn [T*k, H] (cd), MoeTokenUnpermute.
void unpermute(tna_device* d, const void* dn, const void* rowIdx, const void* probs, int64_t T, int64_t H, int64_t K,
               void* out, aclDataType cd) {
  int64_t R = T * K;
  runAclnn(d, "aclnnMoeTokenUnpermute", nullptr, 0,
           {nnT(dn, cd, {R, H}), nnT(rowIdx, ACL_INT32, {R}), nnT(probs, cd, {T, K})}, {nnT(out, cd, {T, H})},
           [](const NnTensors& t, const void*, uint64_t* ws, aclOpExecutor** e) {
             return aclnnMoeTokenUnpermuteGetWorkspaceSize(t.in(0), t.in(1), t.in(2), false, nullptr, t.out(0), ws, e);
           },
           aclnnMoeTokenUnpermute);
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

struct GatingAttrs {
  int64_t k;
};

// The experts' shared part: x (dtype io) routed, gate_up and SwiGLU through `upAndAct`, down, and
// the routing weights' sum into out (dtype io).
template <class Experts>
void experts(tna_device* d, const void* x, int T, int H, int K, int E, const int32_t* ids, const void* weights,
             void* out, aclDataType io, aclDataType cd, Experts&& body) {
  int64_t R = int64_t(T) * K;
  const void* x16 = inCompute(d, x, io, int64_t(T) * H, cd);
  Routed r = route(d, x16, cd, T, H, E, K, ids);
  void* dn = tmp(d, size_t(R) * H * esize(cd));
  body(r, R, dn);
  const void* probs = inCompute(d, weights, io, R, cd);  // MindIE unpermutes with fp16 routing weights
  void* o = outCompute(d, out, io, int64_t(T) * H, cd);
  unpermute(d, dn, r.rowIdx, probs, T, H, K, o, cd);
  storeResult(d, o, out, io, int64_t(T) * H, cd);
}
}  // namespace

extern "C" {

int tna_moe_gate(tna_device* d, const void* x, int xdt, const void* gate, int gdt, int T, int H, int E, int K,
                 int32_t* ids, void* weights, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    aclDataType io = floatType(xdt);
    const void* x16 = inCompute(d, x, io, int64_t(T) * H, cd);
    const void* g16 = inCompute(d, gate, floatType(gdt), int64_t(E) * H, cd);
    void* logits = tmp(d, size_t(T) * E * esize(cd));
    std::unique_ptr<atb::infer::LinearParam> lin(new atb::infer::LinearParam());
    lin->hasBias = false;
    runAtb(d, "Linear(router)", *lin,
           pack(LinearSlots{tensor(x16, cd, {T, H}), tensor(g16, cd, {E, H}), tensor(logits, cd, {T, E})}));
    // the softmax over all experts in f32, as HF Mixtral's router does
    void* logits32 = tmp(d, size_t(T) * E * 4);
    cast(d, logits, cd, logits32, ACL_FLOAT, int64_t(T) * E);
    void* top = tmp(d, size_t(T) * K * 4);
    void* rowIdx = tmp(d, size_t(T) * K * 4);
    GatingAttrs a{K};
    runAclnn(d, "aclnnMoeGatingTopKSoftmax", &a, sizeof a, {nnT(logits32, ACL_FLOAT, {T, E}), nnNone()},
             {nnT(top, ACL_FLOAT, {T, K}), nnT(ids, ACL_INT32, {T, K}), nnT(rowIdx, ACL_INT32, {T, K})},
             [](const NnTensors& t, const void* at, uint64_t* ws, aclOpExecutor** e) {
               return aclnnMoeGatingTopKSoftmaxGetWorkspaceSize(t.in(0), nullptr, static_cast<const GatingAttrs*>(at)->k,
                                                                t.out(0), t.out(1), t.out(2), ws, e);
             },
             aclnnMoeGatingTopKSoftmax);
    // renormalise the k probabilities: softmax(log p) = p / sum(p)
    void* logp = tmp(d, size_t(T) * K * 4);
    std::unique_ptr<atb::infer::ActivationParam> lg(new atb::infer::ActivationParam());
    lg->activationType = atb::infer::ACTIVATION_LOG;
    runAtb(d, "Activation(LOG)", *lg, pack(UnarySlots{tensor(top, ACL_FLOAT, {T, K}), tensor(logp, ACL_FLOAT, {T, K})}));
    void* w32 = outCompute(d, weights, io, int64_t(T) * K, ACL_FLOAT);
    std::unique_ptr<atb::infer::SoftmaxParam> sm(new atb::infer::SoftmaxParam());
    sm->axes.push_back(1);
    runAtb(d, "Softmax", *sm, pack(UnarySlots{tensor(logp, ACL_FLOAT, {T, K}), tensor(w32, ACL_FLOAT, {T, K})}));
    storeResult(d, w32, weights, io, int64_t(T) * K, ACL_FLOAT);
  });
}

int tna_moe_experts(tna_device* d, const void* x, int T, int H, int I, int E, int K, const void* gateUp,
                    const void* down, const int32_t* ids, const void* weights, void* out, int adt, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    size_t es = esize(cd);
    experts(d, x, T, H, K, E, ids, weights, out, floatType(adt), cd, [&](const Routed& r, int64_t R, void* dn) {
      void* gu = tmp(d, size_t(R) * 2 * I * es);
      groupedMatmul(d, "aclnnGroupedMatmulV4(gate_up)", r.expanded, cd, R, H, gateUp, E, 2 * int64_t(I), nullptr,
                    nullptr, r.cum64, gu, cd);
      void* act = tmp(d, size_t(R) * I * es);
      swiglu(d, gu, act, R, I, cd);
      groupedMatmul(d, "aclnnGroupedMatmulV4(down)", act, cd, R, I, down, E, H, nullptr, nullptr, r.cum64, dn, cd);
    });
  });
}

int tna_moe_experts_w8a8(tna_device* d, const void* x, int T, int H, int I, int E, int K, const void* gateUp,
                         const float* gateUpScale, const void* down, const float* downScale, const int32_t* ids,
                         const void* weights, void* out, int adt, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    size_t es = esize(cd);
    experts(d, x, T, H, K, E, ids, weights, out, floatType(adt), cd, [&](const Routed& r, int64_t R, void* dn) {
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
      groupedMatmul(d, "aclnnGroupedMatmulV4(down, W8A8)", aq, ACL_INT8, R, I, down, E, H,
                    scalesFor(d, downScale, E * int64_t(H), cd), as, r.cum64, dn, cd);
    });
  });
}

int tna_quant_linear(tna_device* d, const void* x, int adt, int m, int k, const void* w, const float* wScale, int n,
                     void* out, int odt, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    const void* x16 = inCompute(d, x, floatType(adt), int64_t(m) * k, cd);
    void* xq = tmp(d, size_t(m) * k);
    void* xs = tmp(d, size_t(m) * 4);
    dynamicQuant(d, x16, cd, m, k, xq, xs);
    aclDataType od = floatType(odt);
    void* o16 = outCompute(d, out, od, int64_t(m) * n, cd);
    runAclnn(d, "aclnnQuantMatmulV4", nullptr, 0,
             {nnT(xq, ACL_INT8, {m, k}), nnT(w, ACL_INT8, {n, k}), nnT(wScale, ACL_FLOAT, {n}), nnNone(),
              nnT(xs, ACL_FLOAT, {m}), nnNone()},
             {nnT(o16, cd, {m, n})},
             [](const NnTensors& t, const void*, uint64_t* ws, aclOpExecutor** e) {
               // x2 [n, k] with transposeX2
               return aclnnQuantMatmulV4GetWorkspaceSize(t.in(0), t.in(1), t.in(2), nullptr, t.in(4), nullptr, false, true,
                                                         t.out(0), ws, e);
             },
             aclnnQuantMatmulV4);
    storeResult(d, o16, out, od, int64_t(m) * n, cd);
  });
}

}  // extern "C"
