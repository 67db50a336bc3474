// The dense operations: cast, embedding (Gather), RmsNorm, Linear, Rope, ReshapeAndCache and the
// residual add. Each casts its f32 inputs to the compute dtype, runs the ATB operations MindIE runs
// for it, casts the result back and synchronises the stream.
#include <memory>
#include "internal.h"

using namespace tna;

extern "C" {

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
    Qkv s = computeQkv(d, qkv, T, nq, nk, hd, cd);
    void* q = dense(d, s, s.q());
    void* k = dense(d, s, s.k());
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
    putBack(d, s, s.q(), rq);
    putBack(d, s, s.k(), rk);
    cast(d, s.all, cd, qkv, ACL_FLOAT, T * s.width());
    finish(d);
  });
}

int tna_reshape_and_cache(tna_device* d, const float* qkv, int T, int nq, int nk, int hd, void* kc, void* vc,
                          int nb, int bs, const int32_t* slots, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    Qkv s = computeQkv(d, qkv, T, nq, nk, hd, cd);
    void* k = dense(d, s, s.k());
    void* v = dense(d, s, s.v());
    std::unique_ptr<atb::infer::ReshapeAndCacheParam> p(new atb::infer::ReshapeAndCacheParam());
    atb::Tensor kcT = tensor(kc, cd, {nb, bs, nk, hd}), vcT = tensor(vc, cd, {nb, bs, nk, hd});
    runAtb(d, "ReshapeAndCache", *p,
           pack(ReshapeAndCacheSlots{tensor(k, cd, {T, nk, hd}), tensor(v, cd, {T, nk, hd}), kcT, vcT,
                                     tensor(slots, ACL_INT32, {T}), kcT, vcT}));
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
}  // extern "C"
