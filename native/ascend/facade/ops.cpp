// The dense operations: cast, embedding (Gather), RmsNorm, Linear, Rope, ReshapeAndCache, the
// residual add and the row gather. Activations come and go in their own dtype: in the compute
// dtype (the engine's activations) nothing is cast; an f32 one is cast on the way in and out.
// Nothing here synchronises the stream: a kernel fault surfaces at the next sync.
#include <memory>
#include "internal.h"

using namespace tna;

extern "C" {

int tna_cast(tna_device* d, const void* src, int from, void* dst, int to, size_t n) {
  return guarded(d, [&] { cast(d, src, aclDataType(from), dst, aclDataType(to), int64_t(n)); });
}

int tna_embedding(tna_device* d, const void* table, int cdi, int64_t vocab, int hidden, const int32_t* ids, int n,
                  void* out, int odt) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    aclDataType od = floatType(odt);
    int64_t len = int64_t(n) * hidden;
    void* rows = outCompute(d, out, od, len, cd);
    std::unique_ptr<atb::infer::GatherParam> p(new atb::infer::GatherParam());
    runAtb(d, "Gather", *p,
           pack(GatherSlots{tensor(table, cd, {vocab, hidden}), tensor(ids, ACL_INT32, {n}), tensor(rows, cd, {n, hidden})}));
    storeResult(d, rows, out, od, len, cd);
  });
}

int tna_rms_norm(tna_device* d, const void* x, int xdt, const void* gamma, int gdt, void* out, int odt, int rows,
                 int dim, float eps, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    int64_t len = int64_t(rows) * dim;
    const void* x16 = inCompute(d, x, floatType(xdt), len, cd);
    const void* g16 = inCompute(d, gamma, floatType(gdt), dim, cd);
    aclDataType od = floatType(odt);
    void* y16 = outCompute(d, out, od, len, cd);
    std::unique_ptr<atb::infer::RmsNormParam> p(new atb::infer::RmsNormParam());
    p->layerType = atb::infer::RmsNormParam::RMS_NORM_NORM;
    p->normParam.epsilon = eps;
    runAtb(d, "RmsNorm", *p,
           pack(RmsNormSlots{tensor(x16, cd, {rows, dim}), tensor(g16, cd, {dim}), tensor(y16, cd, {rows, dim})}));
    storeResult(d, y16, out, od, len, cd);
  });
}

int tna_linear(tna_device* d, const void* x, int xdt, int m, int k, const void* w, int cdi, int n, void* out,
               int odt) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    const void* x16 = inCompute(d, x, floatType(xdt), int64_t(m) * k, cd);
    aclDataType od = floatType(odt);
    void* o16 = outCompute(d, out, od, int64_t(m) * n, cd);
    std::unique_ptr<atb::infer::LinearParam> p(new atb::infer::LinearParam());
    p->hasBias = false;  // transposeB stays at its default (true): w is [n, k]
    runAtb(d, "Linear", *p, pack(LinearSlots{tensor(x16, cd, {m, k}), tensor(w, cd, {n, k}), tensor(o16, cd, {m, n})}));
    storeResult(d, o16, out, od, int64_t(m) * n, cd);
  });
}

int tna_rope(tna_device* d, void* qkv, int T, int nq, int nk, int hd, const void* cosTable, const void* sinTable,
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
  });
}

int tna_reshape_and_cache(tna_device* d, const void* qkv, int T, int nq, int nk, int hd, void* kc, void* vc, int nb,
                          int bs, const int32_t* slots, int cdi) {
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
  });
}

int tna_add(tna_device* d, void* y, const void* x, int dt, size_t n) {
  return guarded(d, [&] {
    aclDataType t = floatType(dt);
    std::unique_ptr<atb::infer::ElewiseParam> p(new atb::infer::ElewiseParam());
    p->elewiseType = atb::infer::ElewiseParam::ELEWISE_ADD;
    int64_t len = int64_t(n);
    runAtb(d, "Elewise(ADD)", *p, pack(BinarySlots{tensor(y, t, {len}), tensor(x, t, {len}), tensor(y, t, {len})}));
  });
}

int tna_gather_rows(tna_device* d, const void* src, int dt, int64_t rows, int64_t cols, const int32_t* rowIdxHost,
                    int n, void* out) {
  return guarded(d, [&] {
    aclDataType t = floatType(dt);
    for (int i = 0; i < n; i++) {
      if (rowIdxHost[i] < 0 || rowIdxHost[i] >= rows) {
        fail(TNA_E_ARG, "tna_gather_rows: row " + std::to_string(rowIdxHost[i]) + " of " + std::to_string(rows));
      }
    }
    void* idx = upload(d, rowIdxHost, size_t(n) * 4);
    std::unique_ptr<atb::infer::GatherParam> p(new atb::infer::GatherParam());
    runAtb(d, "Gather(rows)", *p,
           pack(GatherSlots{tensor(src, t, {rows, cols}), tensor(idx, ACL_INT32, {n}), tensor(out, t, {n, cols})}));
  });
}
}  // extern "C"
