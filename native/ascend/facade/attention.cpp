// Attention: whole-prompt prefill through SelfAttention PA_ENCODER with MindIE's fixed triu mask,
// prefill chunks after a cached prefix through SelfAttention PREFIX_ENCODER over the paged cache,
// one decode token per sequence over the paged cache through PagedAttention, and the rest (chunks
// PREFIX_ENCODER cannot take, contexts past a sliding window) as one PagedAttention query per token.
// The per-sequence lengths come from the step's attention metadata, on the device and on the host
// (ATB tiles them on the CPU).
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>
#include "internal.h"

using namespace tna;

namespace {
// The fixed [128, 128] causal mask MindIE passes to PA_ENCODER (isTriuMask = 1), also the compressed
// mask of PREFIX_ENCODER (MASK_TYPE_NORM_COMPRESS takes exactly [128, 128]): 0 on and below the
// diagonal; above it -inf in fp16 (added to the scores) and 1 in bf16, MindIE's convention for bf16
// masks (0 keeps, 1 masks).
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

int tna_prefill_attention(tna_device* d, const void* qkv, int T, int nq, int nk, int hd, const int32_t* seqLens,
                          const int32_t* seqLensHost, int numSeqs, float scale, void* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    Qkv s = computeQkv(d, qkv, T, nq, nk, hd, cd);
    void* q = dense(d, s, s.q());
    void* k = dense(d, s, s.k());
    void* v = dense(d, s, s.v());
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
                                   tensor(seqLens, ACL_INT32, {numSeqs}, seqLensHost), tensor(o, cd, {T, nq, hd})}));
  });
}

int tna_prefix_attention(tna_device* d, const void* qkv, int T, int nq, int nk, int hd, const void* kc, const void* vc,
                         int nb, int bs, const int32_t* blockTables, int maxBlocks, const int32_t* queryLens,
                         const int32_t* queryLensHost, const int32_t* seqLens, const int32_t* seqLensHost, int numSeqs,
                         float scale, void* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    Qkv s = computeQkv(d, qkv, T, nq, nk, hd, cd);
    void* q = dense(d, s, s.q());
    void* o = out;
    std::unique_ptr<atb::infer::SelfAttentionParam> p(new atb::infer::SelfAttentionParam());
    p->headNum = nq;
    p->kvHeadNum = nk;
    p->qkScale = scale;
    p->calcType = atb::infer::SelfAttentionParam::PREFIX_ENCODER;
    // NORM_COMPRESS exists in every supported release (CAUSAL_MASK only from 8.2.RC1)
    p->maskType = atb::infer::SelfAttentionParam::MASK_TYPE_NORM_COMPRESS;
    p->isTriuMask = 1;
    runAtb(d, "SelfAttention(PREFIX_ENCODER)", *p,
           pack(PrefixEncoderSlots{tensor(q, cd, {T, nq, hd}), tensor(kc, cd, {nb, bs, nk, hd}),
                                   tensor(vc, cd, {nb, bs, nk, hd}), tensor(blockTables, ACL_INT32, {numSeqs, maxBlocks}),
                                   tensor(causalMask(d, cd), cd, {128, 128}),
                                   tensor(queryLens, ACL_INT32, {numSeqs}, queryLensHost),
                                   tensor(seqLens, ACL_INT32, {numSeqs}, seqLensHost), tensor(o, cd, {T, nq, hd})}));
  });
}

int tna_decode_attention(tna_device* d, const void* qkv, int B, int nq, int nk, int hd, const void* kc, const void* vc,
                         int nb, int bs, const int32_t* blockTables, int maxBlocks, const int32_t* ctx,
                         const int32_t* ctxHost, float scale, void* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    Qkv s = computeQkv(d, qkv, B, nq, nk, hd, cd);
    void* q = dense(d, s, s.q());
    void* o = out;
    std::unique_ptr<atb::infer::PagedAttentionParam> p(new atb::infer::PagedAttentionParam());
    p->headNum = nq;
    p->kvHeadNum = nk;
    p->qkScale = scale;
    runAtb(d, "PagedAttention", *p,
           pack(PagedAttentionSlots{tensor(q, cd, {B, nq, hd}), tensor(kc, cd, {nb, bs, nk, hd}),
                                    tensor(vc, cd, {nb, bs, nk, hd}), tensor(blockTables, ACL_INT32, {B, maxBlocks}),
                                    tensor(ctx, ACL_INT32, {B}, ctxHost), tensor(o, cd, {B, nq, hd})}));
  });
}

int tna_token_attention(tna_device* d, const void* qkv, int T, int nq, int nk, int hd, const void* kc, const void* vc,
                         int nb, int bs, const int32_t* blockTables, int numRows, int maxBlocks, const int32_t* rowsHost,
                         const int32_t* firstHost, int rowBlocks, const int32_t* ctxHost, const int32_t* maskedHost,
                         int maxCtx, float scale, void* out, int cdi) {
  return guarded(d, [&] {
    aclDataType cd = computeType(cdi);
    // each token's block-table row, from the block holding its window's first key, gathered on the device
    std::vector<int32_t> idx(size_t(T) * rowBlocks);
    for (int t = 0; t < T; t++)
      for (int c = 0; c < rowBlocks; c++)
        idx[size_t(t) * rowBlocks + c] = rowsHost[t] * maxBlocks + std::min(firstHost[t] + c, maxBlocks - 1);
    void* idxDev = upload(d, idx.data(), idx.size() * 4);
    void* tables = tmp(d, idx.size() * 4);
    std::unique_ptr<atb::infer::GatherParam> g(new atb::infer::GatherParam());
    runAtb(d, "Gather(block tables)", *g,
           pack(GatherSlots{tensor(blockTables, ACL_INT32, {int64_t(numRows) * maxBlocks}),
                            tensor(idxDev, ACL_INT32, {int64_t(idx.size())}),
                            tensor(tables, ACL_INT32, {int64_t(idx.size())})}));
    // the keys of each row's first block before the window, masked as MindIE masks (fp16 -inf, bf16 1)
    bool anyMasked = false;
    for (int t = 0; t < T; t++) anyMasked |= maskedHost[t] > 0;
    void* mask = nullptr;
    if (anyMasked) {
      float masked = cd == ACL_BF16 ? 1.f : -INFINITY;
      std::vector<float> m(size_t(T) * nq * maxCtx, 0.f);
      for (int t = 0; t < T; t++)
        for (int h = 0; h < nq; h++)
          for (int j = 0; j < maskedHost[t]; j++) m[(size_t(t) * nq + h) * maxCtx + j] = masked;
      mask = toCompute(d, upload(d, m.data(), m.size() * 4), int64_t(m.size()), cd);
    }
    void* ctxDev = upload(d, ctxHost, size_t(T) * 4);
    Qkv s = computeQkv(d, qkv, T, nq, nk, hd, cd);
    void* q = dense(d, s, s.q());
    void* o = out;
    std::unique_ptr<atb::infer::PagedAttentionParam> p(new atb::infer::PagedAttentionParam());
    p->headNum = nq;
    p->kvHeadNum = nk;
    p->qkScale = scale;
    atb::Tensor qT = tensor(q, cd, {T, nq, hd}), kT = tensor(kc, cd, {nb, bs, nk, hd}), vT = tensor(vc, cd, {nb, bs, nk, hd}),
                tT = tensor(tables, ACL_INT32, {T, rowBlocks}), cT = tensor(ctxDev, ACL_INT32, {T}, ctxHost),
                oT = tensor(o, cd, {T, nq, hd});
    if (anyMasked) {
      p->maskType = atb::infer::PagedAttentionParam::MASK_TYPE_NORM;
      runAtb(d, "PagedAttention(masked, a query per token)", *p,
             pack(PagedAttentionMaskSlots{qT, kT, vT, tT, cT, tensor(mask, cd, {T, nq, 1, maxCtx}), oT}));
    } else {
      runAtb(d, "PagedAttention(a query per token)", *p, pack(PagedAttentionSlots{qT, kT, vT, tT, cT, oT}));
    }
  });
}

}  // extern "C"
