// Attention: whole-prompt prefill through SelfAttention PA_ENCODER with MindIE's fixed triu mask,
// and one decode token per sequence over the paged cache through PagedAttention. Both take the
// per-sequence lengths on the host too, as ATB tiles them on the CPU.
#include <cmath>
#include <memory>
#include <vector>
#include "internal.h"

using namespace tna;

namespace {
// The fixed [128, 128] causal mask MindIE passes to PA_ENCODER (isTriuMask = 1): 0 on and below
// the diagonal; above it -inf in fp16 (added to the scores) and 1 in bf16, MindIE's convention
// for bf16 masks (0 keeps, 1 masks).
void* causalMask(tna_device* d, aclDataType cd) {
  int slot = cd == ACL_FLOAT16 ? 0 : 1;
  if (d->mask[slot]) return d->mask[slot];
  float masked = cd == ACL_BF16 ? 1.f : -INFINITY;
  std::vector<float> m(128 * 128);
  for (int i = 0; i < 128; i++)
    for (int j = 0; j < 128; j++) m[i * 128 + j] = j > i ? masked : 0.f;
  void* f32 = upload(d, m.data(), m.size() * 4);
  void* out = nullptr;
  deviceMalloc(d, &out, m.size() * esize(cd));
  d->mask[slot] = out;
  cast(d, f32, ACL_FLOAT, out, cd, int64_t(m.size()));
  return out;
}
}  // namespace

extern "C" {

int tna_prefill_attention(tna_device* d, const void* qkv, int T, int nq, int nk, int hd, const int32_t* seqLensHost,
                          int numSeqs, float scale, void* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    Qkv s = computeQkv(d, qkv, T, nq, nk, hd, cd);
    void* q = dense(d, s, s.q());
    void* k = dense(d, s, s.k());
    void* v = dense(d, s, s.v());
    void* seqDev = upload(d, seqLensHost, size_t(numSeqs) * 4);
    void* o = out;
    std::unique_ptr<atb::infer::SelfAttentionParam> p(new atb::infer::SelfAttentionParam());
    p->headNum = nq;
    p->kvHeadNum = nk;
    p->qkScale = scale;
    p->calcType = atb::infer::SelfAttentionParam::PA_ENCODER;
    p->maskType = atb::infer::SelfAttentionParam::MASK_TYPE_NORM;
    p->isTriuMask = 1;
    runAtb(d, "SelfAttention(PA_ENCODER)", *p,
           pack(SelfAttentionSlots{tensor(q, cd, {T, nq, hd}), tensor(k, cd, {T, nk, hd}), tensor(v, cd, {T, nk, hd}),
                                   tensor(causalMask(d, cd), cd, {128, 128}),
                                   tensor(seqDev, ACL_INT32, {numSeqs}, seqLensHost), tensor(o, cd, {T, nq, hd})}));
  });
}

int tna_decode_attention(tna_device* d, const void* qkv, int B, int nq, int nk, int hd, const void* kc, const void* vc,
                         int nb, int bs, const int32_t* blockTables, int maxBlocks, const int32_t* ctxHost, float scale,
                         void* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    Qkv s = computeQkv(d, qkv, B, nq, nk, hd, cd);
    void* q = dense(d, s, s.q());
    void* ctxDev = upload(d, ctxHost, size_t(B) * 4);
    void* o = out;
    std::unique_ptr<atb::infer::PagedAttentionParam> p(new atb::infer::PagedAttentionParam());
    p->headNum = nq;
    p->kvHeadNum = nk;
    p->qkScale = scale;
    runAtb(d, "PagedAttention", *p,
           pack(PagedAttentionSlots{tensor(q, cd, {B, nq, hd}), tensor(kc, cd, {nb, bs, nk, hd}),
                                    tensor(vc, cd, {nb, bs, nk, hd}), tensor(blockTables, ACL_INT32, {B, maxBlocks}),
                                    tensor(ctxDev, ACL_INT32, {B}, ctxHost), tensor(o, cd, {B, nq, hd})}));
  });
}

}  // extern "C"
