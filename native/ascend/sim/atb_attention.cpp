// Simulated ATB attention: SelfAttention PA_ENCODER (causal prefill of whole prompts, seqLen on the
// host), SelfAttention PREFIX_ENCODER (prefill chunks over the paged cache, seqLen and kvSeqLen on the
// host, compressed [128,128] causal mask), PagedAttention (one query per sequence over the block-tabled cache, contextLens on the
// host) and ReshapeAndCache (a bad slot is a kernel fault, reported at the next sync). Scores in
// f32, values in the stored dtype.
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>
#include "atb_op.h"
#include "tramontane_cpu.h"

using namespace tsim;

namespace {
// Attention of one query row over keys [0, len) of one sequence, GQA by group; scores in fp32.
void attendRow(const std::function<const void*(int64_t)>& keyRow, const std::function<const void*(int64_t)>& valRow,
               const void* q, aclDataType dt, int64_t d, int64_t len, float scale,
               const std::function<float(int64_t)>& bias, float* scores, float* acc, void* out) {
  std::vector<float> qf(d);
  for (int64_t i = 0; i < d; i++) qf[i] = loadFloat(q, dt, i);
  float mx = -INFINITY;
  for (int64_t j = 0; j < len; j++) {
    const void* k = keyRow(j);
    float s = 0;
    for (int64_t i = 0; i < d; i++) s += qf[i] * loadFloat(k, dt, i);
    s = s * scale + bias(j);
    scores[j] = s;
    mx = std::fmax(mx, s);
  }
  float sum = 0;
  for (int64_t j = 0; j < len; j++) {
    scores[j] = std::isinf(mx) && mx < 0 ? 0.f : std::exp(scores[j] - mx);
    sum += scores[j];
  }
  for (int64_t i = 0; i < d; i++) acc[i] = 0;
  for (int64_t j = 0; j < len; j++) {
    if (scores[j] == 0) continue;
    const void* v = valRow(j);
    float p = scores[j] / sum;
    for (int64_t i = 0; i < d; i++) acc[i] += p * loadFloat(v, dt, i);
  }
  for (int64_t i = 0; i < d; i++) storeFloat(out, dt, i, acc[i]);
}

// ---------------------------------------------------------------- SelfAttention PA_ENCODER
class SelfAttentionOp : public SimOp {
 public:
  explicit SelfAttentionOp(const atb::infer::SelfAttentionParam& p)
      : SimOp("SelfAttentionOperation", unmasked(p) ? 4 : 5, 1,
              unmasked(p) ? "SelfAttentionOperationEncoderMask0" : "SelfAttentionOperationEncoder"),
        p_(p) {}
  static bool unmasked(const atb::infer::SelfAttentionParam& p) {
    return p.maskType == atb::infer::SelfAttentionParam::MASK_TYPE_UNDEFINED;
  }
  // OP-SA-1: what CreateOperation refuses, "" if nothing
  static std::string problem(const atb::infer::SelfAttentionParam& p) {
    using P = atb::infer::SelfAttentionParam;
    if (p.headNum <= 0 || p.kvHeadNum < 0 || (p.kvHeadNum > 0 && p.headNum % p.kvHeadNum))
      return "headNum must be positive and a multiple of kvHeadNum";
    if (p.kvcacheCfg != P::K_CACHE_V_CACHE && p.kvcacheCfg != P::K_BYPASS_V_BYPASS) return "kvcacheCfg out of range";
    if (p.quantType == P::TYPE_DEQUANT_FUSION) return "quantType TYPE_DEQUANT_FUSION";
    if (p.calcType == P::PA_ENCODER && p.kvcacheCfg == P::K_BYPASS_V_BYPASS) return "PA_ENCODER with K_BYPASS_V_BYPASS";
    if (p.maskType == P::MASK_TYPE_UNDEFINED && p.isTriuMask == 1) return "isTriuMask 1 without a mask";
    return "";
  }
  atb::Status check(Call& c, uint64_t& ws) override {
    using P = atb::infer::SelfAttentionParam;
    if (p_.calcType != P::PA_ENCODER)
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: only calcType PA_ENCODER and PREFIX_ENCODER");
    if (p_.maskType != P::MASK_TYPE_UNDEFINED && p_.maskType != P::MASK_TYPE_NORM)
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: maskType UNDEFINED or NORM only");
    if (p_.headNum <= 0 || p_.kvHeadNum <= 0 || p_.headNum % p_.kvHeadNum)
      return c.fail(atb::ERROR_INVALID_PARAM, "headNum must be a multiple of kvHeadNum");
    aclDataType dt = c.in(0).desc.dtype;
    if (!isHalf(dt) || c.in(1).desc.dtype != dt || c.in(2).desc.dtype != dt || c.out(0).desc.dtype != dt)
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "q, k, v, out fp16/bf16");
    const atb::Tensor& seqLen = c.in(nmask() + 3);
    if (seqLen.desc.dtype != ACL_INT32) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "seqLen must be int32");
    if (!seqLen.hostData) return c.fail(atb::ERROR_INVALID_PARAM, "seqLen needs hostData (host int32 copy)");
    d_ = lastDim(c.in(0).desc);
    if (c.in(0).desc.shape.dimNum == 2) d_ = lastDim(c.in(0).desc) / p_.headNum;
    t_ = numel(c.in(0).desc) / (uint64_t(p_.headNum) * d_);
    if (numel(c.in(1).desc) != t_ * p_.kvHeadNum * d_ || numel(c.in(2).desc) != t_ * p_.kvHeadNum * d_ ||
        numel(c.out(0).desc) != numel(c.in(0).desc))
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "q [T,nq,d], k/v [T,nk,d], out like q");
    b_ = numel(seqLen.desc);
    const int32_t* lens = static_cast<const int32_t*>(seqLen.hostData);
    uint64_t total = 0;
    maxLen_ = 0;
    for (uint64_t b = 0; b < b_; b++) {
      if (lens[b] <= 0) return c.fail(atb::ERROR_INVALID_PARAM, "seqLen entries must be positive");
      total += uint64_t(lens[b]);
      maxLen_ = std::max<uint64_t>(maxLen_, uint64_t(lens[b]));
    }
    if (total != t_) return c.fail(atb::ERROR_INVALID_PARAM, "sum of seqLen differs from the token count");
    if (nmask()) {
      const auto& m = c.in(3).desc;
      if (m.dtype != dt || m.shape.dimNum != 2) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "mask must be 2-D, q dtype");
      maskRows_ = m.shape.dims[0];
      maskCols_ = m.shape.dims[1];
      if (p_.isTriuMask ? maskCols_ < maskRows_ : (uint64_t(maskRows_) < maxLen_ || uint64_t(maskCols_) < maxLen_))
        return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "mask smaller than the longest sequence");
    }
    ws = (maxLen_ + d_) * 4;
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t* ws, Stream* st) override {
    aclDataType dt = c.in(0).desc.dtype;
    size_t es = dtypeBytes(dt);
    float* scores = reinterpret_cast<float*>(ws);
    float* acc = scores + maxLen_;
    const void* mask = nmask() ? c.in(3).deviceData : nullptr;
    // MASK-1..4: an fp16 mask is added to the scores (0 keeps, -inf or a large negative masks); a bf16
    // mask holds 0 (keep) and 1 (masked) only, as MindIE builds it
    if (mask && dt == ACL_BF16) {
      for (uint64_t i = 0; i < uint64_t(maskRows_ * maskCols_); i++) {
        float v = loadFloat(mask, dt, i);
        if (v != 0.f && v != 1.f) {
          return kernelFault(st, "SelfAttention: a bf16 mask holds 0 (keep) or 1 (masked) only, found " +
                                     std::to_string(v) + " at " + std::to_string(i));
        }
      }
    }
    auto maskAt = [&](uint64_t i) {
      float v = loadFloat(mask, dt, i);
      return dt == ACL_BF16 ? (v == 1.f ? -INFINITY : 0.f) : v;
    };
    const int32_t* lens = static_cast<const int32_t*>(c.in(nmask() + 3).hostData);
    const char* q = static_cast<const char*>(c.in(0).deviceData);
    const char* k = static_cast<const char*>(c.in(1).deviceData);
    const char* v = static_cast<const char*>(c.in(2).deviceData);
    char* out = static_cast<char*>(c.out(0).deviceData);
    int64_t nq = p_.headNum, nk = p_.kvHeadNum, d = d_, group = nq / nk;
    uint64_t start = 0;
    for (uint64_t b = 0; b < b_; b++) {
      int64_t len = lens[b];
      for (int64_t i = 0; i < len; i++)
        for (int64_t h = 0; h < nq; h++) {
          int64_t kh = h / group;
          auto keyRow = [&](int64_t j) { return (const void*)(k + ((start + j) * nk + kh) * d * es); };
          auto valRow = [&](int64_t j) { return (const void*)(v + ((start + j) * nk + kh) * d * es); };
          auto bias = [&](int64_t j) -> float {
            if (!mask) return 0.f;
            if (!p_.isTriuMask) return maskAt(uint64_t(i) * maskCols_ + j);
            int64_t bi = i / maskRows_, bj = j / maskRows_;
            if (bj > bi) return -INFINITY;
            if (bj < bi) return 0.f;
            return maskAt(uint64_t(i % maskRows_) * maskCols_ + j % maskRows_);
          };
          attendRow(keyRow, valRow, q + ((start + i) * nq + h) * d * es, dt, d, len, p_.qkScale, bias, scores, acc,
                    out + ((start + i) * nq + h) * d * es);
        }
      start += len;
    }
  }

 private:
  int nmask() const { return p_.maskType == atb::infer::SelfAttentionParam::MASK_TYPE_UNDEFINED ? 0 : 1; }
  atb::infer::SelfAttentionParam p_;
  uint64_t d_ = 0, t_ = 0, b_ = 0, maxLen_ = 0;
  int64_t maskRows_ = 0, maskCols_ = 0;
};

// ---------------------------------------------------------------- SelfAttention PREFIX_ENCODER
// Inputs (ATB's PrefixEncoder, every supported release): query [T, nq, d], key / value cache
// [nb, bs, nk, d], blockTables int32 [B, maxBlocks], mask [128, 128] (MASK_TYPE_NORM_COMPRESS),
// seqLen int32 [B] (query tokens of each sequence, hostData), kvSeqLen int32 [B] (its context including
// those tokens, hostData); out like query. Query i of sequence b sits at position kvSeqLen - seqLen + i
// and attends to the cached keys [0, that position] through the block table; the mask is the causal
// [128, 128] tile repeated along the diagonal. ATB's PrefixEncoder page (8.3.RC1 docs) also requires
// block size 128, every cached prefix (kvSeqLen - seqLen) a multiple of 128, and a head size that is a
// multiple of 16 and at most 128. ALIBI masks (an eighth input, slopes) are not simulated.
class PrefixEncoderOp : public SimOp {
 public:
  explicit PrefixEncoderOp(const atb::infer::SelfAttentionParam& p)
      : SimOp("SelfAttentionOperation", 7, 1, nullptr), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    using P = atb::infer::SelfAttentionParam;
    if (p_.maskType != P::MASK_TYPE_NORM_COMPRESS)
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: PREFIX_ENCODER with maskType MASK_TYPE_NORM_COMPRESS only");
    if (p_.kvcacheCfg != P::K_CACHE_V_CACHE)
      return c.fail(atb::ERROR_INVALID_PARAM, "PREFIX_ENCODER reads the paged K and V caches (K_CACHE_V_CACHE)");
    if (p_.headNum <= 0 || p_.kvHeadNum <= 0 || p_.headNum % p_.kvHeadNum)
      return c.fail(atb::ERROR_INVALID_PARAM, "headNum must be a multiple of kvHeadNum");
    aclDataType dt = c.in(0).desc.dtype;
    if (!isHalf(dt) || c.in(1).desc.dtype != dt || c.in(2).desc.dtype != dt || c.in(4).desc.dtype != dt ||
        c.out(0).desc.dtype != dt)
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "query, caches, mask, out of one dtype, fp16/bf16");
    const auto& kc = c.in(1).desc;
    if (kc.shape.dimNum != 4 || kc.shape.dims[2] != p_.kvHeadNum)
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "cache [nb, bs, nk, d]");
    nb_ = kc.shape.dims[0];
    bs_ = kc.shape.dims[1];
    d_ = kc.shape.dims[3];
    if (numel(c.in(2).desc) != numel(kc)) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "value cache differs");
    if (bs_ != 128) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "PREFIX_ENCODER takes a cache of blockSize 128");
    if (d_ % 16 != 0 || d_ > 128)
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "PREFIX_ENCODER takes a head size that is a multiple of 16, at most 128");
    const auto& bt = c.in(3).desc;
    if (bt.dtype != ACL_INT32 || bt.shape.dimNum != 2)
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "blockTables int32 [B, maxBlocks]");
    b_ = bt.shape.dims[0];
    maxBlocks_ = bt.shape.dims[1];
    const auto& m = c.in(4).desc;
    if (m.shape.dimNum != 2 || m.shape.dims[0] != 128 || m.shape.dims[1] != 128)
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "MASK_TYPE_NORM_COMPRESS takes a [128, 128] mask (OP-SA-3)");
    for (int i : {5, 6}) {
      const atb::Tensor& l = c.in(i);
      if (l.desc.dtype != ACL_INT32 || int64_t(numel(l.desc)) != b_)
        return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "seqLen and kvSeqLen int32 [B]");
      if (!l.hostData) return c.fail(atb::ERROR_INVALID_PARAM, "seqLen and kvSeqLen need hostData (host int32 copies)");
    }
    const int32_t* q = static_cast<const int32_t*>(c.in(5).hostData);
    const int32_t* kv = static_cast<const int32_t*>(c.in(6).hostData);
    uint64_t total = 0;
    maxKv_ = 0;
    for (int64_t b = 0; b < b_; b++) {
      if (q[b] <= 0) return c.fail(atb::ERROR_INVALID_PARAM, "seqLen entries must be positive");
      if (kv[b] < q[b] || kv[b] > maxBlocks_ * bs_)
        return c.fail(atb::ERROR_INVALID_PARAM, "kvSeqLen must hold the sequence's seqLen and fit its block table");
      if ((kv[b] - q[b]) % 128 != 0)
        return c.fail(atb::ERROR_INVALID_PARAM, "the cached prefix kvSeqLen - seqLen must be a multiple of 128, got " +
                                                    std::to_string(kv[b] - q[b]));
      total += uint64_t(q[b]);
      maxKv_ = std::max<int64_t>(maxKv_, kv[b]);
    }
    if (numel(c.in(0).desc) != total * p_.headNum * d_ || numel(c.out(0).desc) != numel(c.in(0).desc))
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "query/out [sum(seqLen), nq, d]");
    ws = uint64_t(maxKv_ + d_) * 4;
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t* ws, Stream* st) override {
    aclDataType dt = c.in(0).desc.dtype;
    size_t es = dtypeBytes(dt);
    float* scores = reinterpret_cast<float*>(ws);
    float* acc = scores + maxKv_;
    const void* mask = c.in(4).deviceData;
    // MASK-1..4, as for PA_ENCODER
    if (dt == ACL_BF16) {
      for (uint64_t i = 0; i < 128 * 128; i++) {
        float v = loadFloat(mask, dt, i);
        if (v != 0.f && v != 1.f) {
          return kernelFault(st, "SelfAttention: a bf16 mask holds 0 (keep) or 1 (masked) only, found " +
                                     std::to_string(v) + " at " + std::to_string(i));
        }
      }
    }
    auto maskAt = [&](int64_t r, int64_t col) {
      float v = loadFloat(mask, dt, uint64_t(r) * 128 + col);
      return dt == ACL_BF16 ? (v == 1.f ? -INFINITY : 0.f) : v;
    };
    const int32_t* qLens = static_cast<const int32_t*>(c.in(5).hostData);
    const int32_t* kvLens = static_cast<const int32_t*>(c.in(6).hostData);
    const int32_t* table = static_cast<const int32_t*>(c.in(3).deviceData);
    const char* kc = static_cast<const char*>(c.in(1).deviceData);
    const char* vc = static_cast<const char*>(c.in(2).deviceData);
    const char* q = static_cast<const char*>(c.in(0).deviceData);
    char* out = static_cast<char*>(c.out(0).deviceData);
    int64_t nq = p_.headNum, nk = p_.kvHeadNum, group = nq / nk;
    int64_t start = 0;
    for (int64_t b = 0; b < b_; b++) {
      int64_t kvLen = kvLens[b], prefix = kvLen - qLens[b];
      for (int64_t blk = 0; blk < (kvLen + bs_ - 1) / bs_; blk++) {
        int32_t id = table[b * maxBlocks_ + blk];
        if (id < 0 || id >= nb_) return kernelFault(st, "SelfAttention PREFIX_ENCODER: block id " + std::to_string(id) + " out of range");
      }
      for (int64_t i = 0; i < qLens[b]; i++) {
        int64_t pos = prefix + i;
        for (int64_t h = 0; h < nq; h++) {
          int64_t kh = h / group;
          auto slot = [&](int64_t j) { return (int64_t(table[b * maxBlocks_ + j / bs_]) * bs_ + j % bs_) * nk + kh; };
          auto keyRow = [&](int64_t j) { return (const void*)(kc + slot(j) * d_ * es); };
          auto valRow = [&](int64_t j) { return (const void*)(vc + slot(j) * d_ * es); };
          auto bias = [&](int64_t j) -> float {
            int64_t bi = pos / 128, bj = j / 128;
            if (bj > bi) return -INFINITY;
            if (bj < bi) return 0.f;
            return maskAt(pos % 128, j % 128);
          };
          attendRow(keyRow, valRow, q + ((start + i) * nq + h) * d_ * es, dt, d_, kvLen, p_.qkScale, bias, scores,
                    acc, out + ((start + i) * nq + h) * d_ * es);
        }
      }
      start += qLens[b];
    }
  }

 private:
  atb::infer::SelfAttentionParam p_;
  int64_t nb_ = 0, bs_ = 0, d_ = 0, b_ = 0, maxBlocks_ = 0, maxKv_ = 0;
};

// ---------------------------------------------------------------- PagedAttention (decode)
class PagedAttentionOp : public SimOp {
 public:
  explicit PagedAttentionOp(const atb::infer::PagedAttentionParam& p)
      : SimOp("PagedAttentionOperation", masked(p) ? 6 : 5, 1,
              masked(p) ? "PagedAttentionOperationMask1" : "PagedAttentionOperationMask0"),
        p_(p) {}
  static bool masked(const atb::infer::PagedAttentionParam& p) {
    return p.maskType == atb::infer::PagedAttentionParam::MASK_TYPE_NORM;
  }
  atb::Status check(Call& c, uint64_t& ws) override {
    if ((p_.maskType != atb::infer::PagedAttentionParam::UNDEFINED && !masked(p_)) || p_.quantType != 0 ||
        p_.calcType != 0)
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: maskType UNDEFINED or MASK_TYPE_NORM, no quantisation, no SPEC");
    if (p_.headNum <= 0 || p_.kvHeadNum <= 0 || p_.headNum % p_.kvHeadNum)
      return c.fail(atb::ERROR_INVALID_PARAM, "headNum must be a multiple of kvHeadNum");
    aclDataType dt = c.in(0).desc.dtype;
    if (!isHalf(dt) || c.in(1).desc.dtype != dt || c.in(2).desc.dtype != dt || c.out(0).desc.dtype != dt)
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "query, caches, out fp16/bf16");
    const auto& kc = c.in(1).desc;
    if (kc.shape.dimNum != 4 || kc.shape.dims[2] != p_.kvHeadNum) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "cache [nb, bs, nk, d]");
    nb_ = kc.shape.dims[0];
    bs_ = kc.shape.dims[1];
    d_ = kc.shape.dims[3];
    if (numel(c.in(2).desc) != numel(kc)) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "value cache differs");
    const auto& bt = c.in(3).desc;
    if (bt.dtype != ACL_INT32 || bt.shape.dimNum != 2) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "blockTables int32 [B, maxBlocks]");
    b_ = bt.shape.dims[0];
    maxBlocks_ = bt.shape.dims[1];
    if (numel(c.in(0).desc) != uint64_t(b_ * p_.headNum * d_) || numel(c.out(0).desc) != numel(c.in(0).desc))
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "query/out must be [B, nq, d]");
    const atb::Tensor& cl = c.in(4);
    if (cl.desc.dtype != ACL_INT32 || int64_t(numel(cl.desc)) != b_) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "contextLens int32 [B]");
    if (!cl.hostData) return c.fail(atb::ERROR_INVALID_PARAM, "contextLens needs hostData (host int32 copy)");
    const int32_t* lens = static_cast<const int32_t*>(cl.hostData);
    maxLen_ = 0;
    for (int64_t b = 0; b < b_; b++) {
      if (lens[b] <= 0 || lens[b] > maxBlocks_ * bs_) return c.fail(atb::ERROR_INVALID_PARAM, "contextLens out of range");
      maxLen_ = std::max<int64_t>(maxLen_, lens[b]);
    }
    if (masked(p_)) {
      // the mask MindIE passes to decode: [B, heads, 1, maxLen], the query's dtype (MASK-2)
      const auto& m = c.in(5).desc;
      if (m.dtype != dt) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "mask of the query's dtype");
      if (m.shape.dimNum != 4 || m.shape.dims[0] != b_ || m.shape.dims[1] != p_.headNum || m.shape.dims[2] != 1 ||
          m.shape.dims[3] < maxLen_)
        return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "mask [B, headNum, 1, >= max contextLens]");
      maskCols_ = m.shape.dims[3];
    }
    ws = uint64_t(maxLen_ + d_) * 4;
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t* ws, Stream* st) override {
    aclDataType dt = c.in(0).desc.dtype;
    size_t es = dtypeBytes(dt);
    float* scores = reinterpret_cast<float*>(ws);
    float* acc = scores + maxLen_;
    const void* mask = masked(p_) ? c.in(5).deviceData : nullptr;
    // MASK-1..4 as for SelfAttention: fp16 masks add to the scores, bf16 masks hold 0 (keep) or 1 (masked)
    if (mask && dt == ACL_BF16) {
      for (uint64_t i = 0; i < uint64_t(b_ * p_.headNum * maskCols_); i++) {
        float v = loadFloat(mask, dt, i);
        if (v != 0.f && v != 1.f)
          return kernelFault(st, "PagedAttention: a bf16 mask holds 0 (keep) or 1 (masked) only, found " +
                                     std::to_string(v) + " at " + std::to_string(i));
      }
    }
    const int32_t* lens = static_cast<const int32_t*>(c.in(4).hostData);
    const int32_t* table = static_cast<const int32_t*>(c.in(3).deviceData);
    const char* kc = static_cast<const char*>(c.in(1).deviceData);
    const char* vc = static_cast<const char*>(c.in(2).deviceData);
    int64_t nq = p_.headNum, nk = p_.kvHeadNum, group = nq / nk;
    for (int64_t b = 0; b < b_; b++) {
      int64_t len = lens[b];
      for (int64_t blk = 0; blk < (len + bs_ - 1) / bs_; blk++) {
        int32_t id = table[b * maxBlocks_ + blk];
        if (id < 0 || id >= nb_) return kernelFault(st, "PagedAttention: block id " + std::to_string(id) + " out of range");
      }
      for (int64_t h = 0; h < nq; h++) {
        int64_t kh = h / group;
        auto slot = [&](int64_t j) { return (int64_t(table[b * maxBlocks_ + j / bs_]) * bs_ + j % bs_) * nk + kh; };
        auto keyRow = [&](int64_t j) { return (const void*)(kc + slot(j) * d_ * es); };
        auto valRow = [&](int64_t j) { return (const void*)(vc + slot(j) * d_ * es); };
        auto bias = [&](int64_t j) -> float {
          if (!mask) return 0.f;
          float v = loadFloat(mask, dt, uint64_t((b * nq + h) * maskCols_ + j));
          return dt == ACL_BF16 ? (v == 1.f ? -INFINITY : 0.f) : v;
        };
        attendRow(keyRow, valRow, static_cast<const char*>(c.in(0).deviceData) + (b * nq + h) * d_ * es, dt, d_, len,
                  p_.qkScale, bias, scores, acc, static_cast<char*>(c.out(0).deviceData) + (b * nq + h) * d_ * es);
      }
    }
  }

 private:
  atb::infer::PagedAttentionParam p_;
  int64_t nb_ = 0, bs_ = 0, d_ = 0, b_ = 0, maxBlocks_ = 0, maxLen_ = 0, maskCols_ = 0;
};

// ---------------------------------------------------------------- ReshapeAndCache
class ReshapeAndCacheOp : public SimOp {
 public:
  explicit ReshapeAndCacheOp(const atb::infer::ReshapeAndCacheParam& p) : SimOp("ReshapeAndCacheOperation", 5, 2, "ReshapeAndCacheOperation"), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    if (p_.compressType != 0 || p_.kvCacheCfg != 0) return c.fail(atb::ERROR_INVALID_PARAM, "simulator: ND K/V caches only");
    aclDataType dt = c.in(0).desc.dtype;
    for (int i = 1; i < 4; i++)
      if (c.in(i).desc.dtype != dt) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "key, value, caches share a dtype");
    const auto& kc = c.in(2).desc;
    if (kc.shape.dimNum != 4) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "cache [nb, bs, nk, d]");
    row_ = uint64_t(kc.shape.dims[2] * kc.shape.dims[3]);
    slots_ = uint64_t(kc.shape.dims[0] * kc.shape.dims[1]);
    t_ = numel(c.in(4).desc);
    if (c.in(4).desc.dtype != ACL_INT32 || numel(c.in(0).desc) != t_ * row_ || numel(c.in(1).desc) != t_ * row_)
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "key/value [T, nk, d] with int32 slots [T]");
    if (numel(c.out(0).desc) != numel(kc) || numel(c.out(1).desc) != numel(kc))
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "outputs are the caches");
    ws = 0;
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t*, Stream* st) override {
    size_t rb = row_ * dtypeBytes(c.in(0).desc.dtype);
    const int32_t* slots = static_cast<const int32_t*>(c.in(4).deviceData);
    for (uint64_t t = 0; t < t_; t++) {
      if (slots[t] < 0 || uint64_t(slots[t]) >= slots_) {
        return kernelFault(st, "ReshapeAndCache: slot " + std::to_string(slots[t]) + " out of range");
      }
      std::memcpy(static_cast<char*>(c.out(0).deviceData) + slots[t] * rb, static_cast<const char*>(c.in(0).deviceData) + t * rb, rb);
      std::memcpy(static_cast<char*>(c.out(1).deviceData) + slots[t] * rb, static_cast<const char*>(c.in(1).deviceData) + t * rb, rb);
    }
  }

 private:
  atb::infer::ReshapeAndCacheParam p_;
  uint64_t row_ = 0, slots_ = 0, t_ = 0;
};

}  // namespace

namespace atb {
template <> Status CreateOperation(const infer::SelfAttentionParam& p, Operation** op) {
  std::string why = SelfAttentionOp::problem(p);
  if (!why.empty()) {
    setError("SelfAttentionOperation CreateOperation: " + why + " (OP-SA-1)");
    return ERROR_INVALID_PARAM;
  }
  if (p.calcType == infer::SelfAttentionParam::PREFIX_ENCODER) return make<PrefixEncoderOp>(p, op);
  return make<SelfAttentionOp>(p, op);
}
template <> Status CreateOperation(const infer::PagedAttentionParam& p, Operation** op) { return make<PagedAttentionOp>(p, op); }
template <> Status CreateOperation(const infer::ReshapeAndCacheParam& p, Operation** op) { return make<ReshapeAndCacheOp>(p, op); }
}  // namespace atb
