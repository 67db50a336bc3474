// Simulated ATB: Context and the inference operations tramontane declares (ascend-api.md §2-3).
// Setup validates the VariantPack and asks for the workspace the CPU kernel uses as scratch;
// Execute re-validates, refuses a smaller or non-device workspace, needs the thread bound to the
// stream's device, and reports data-dependent faults (bad slot, block or index) at the next sync.
// The collectives (AllReduce, AllGather) instead fail from Execute itself, as the HCCL simulator's
// calls do (see hccl.cpp).
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>
#include "atb/atb_infer.h"
#include "hccl/hccl.h"
#include "sim.h"
#include "tramontane_cpu.h"

using namespace tsim;

namespace {
struct SimContext : atb::Context {
  aclrtStream stream = nullptr;
  bool asyncTiling = false;
  atb::Status SetExecuteStream(aclrtStream s) override {
    if (!streamOf(s)) return atb::ERROR_INVALID_STREAM;
    stream = s;
    return atb::NO_ERROR;
  }
  aclrtStream GetExecuteStream() const override { return stream; }
  atb::Status SetAsyncTilingCopyStatus(bool v) override {
    asyncTiling = v;
    return atb::NO_ERROR;
  }
  bool GetAsyncTilingCopyStatus() const override { return asyncTiling; }
};

uint64_t numel(const atb::TensorDesc& d) {
  uint64_t n = 1;
  for (uint64_t i = 0; i < d.shape.dimNum; i++) n *= uint64_t(d.shape.dims[i]);
  return n;
}
int64_t lastDim(const atb::TensorDesc& d) { return d.shape.dimNum ? d.shape.dims[d.shape.dimNum - 1] : 1; }
bool isHalf(aclDataType t) { return t == ACL_FLOAT16 || t == ACL_BF16; }
bool isFloat(aclDataType t) { return isHalf(t) || t == ACL_FLOAT; }

// What an operation's check/run functions see; `fail` records the reason.
struct Call {
  const atb::VariantPack& pack;
  std::string why;
  aclrtStream stream = nullptr;        // the context's execute stream (Execute only)
  atb::Status status = atb::NO_ERROR;  // a failure run() reports from Execute itself (collectives)
  const atb::Tensor& in(size_t i) const { return pack.inTensors[i]; }
  const atb::Tensor& out(size_t i) const { return pack.outTensors[i]; }
  atb::Status fail(atb::Status s, const std::string& w) {
    why = w;
    return s;
  }
};

class SimOp : public atb::Operation {
 public:
  SimOp(std::string name, uint32_t nin, uint32_t nout) : name_(std::move(name)), nin_(nin), nout_(nout) {}
  std::string GetName() const override { return name_; }
  uint32_t GetInputNum() const override { return nin_; }
  uint32_t GetOutputNum() const override { return nout_; }
  atb::Status InferShape(const atb::SVector<atb::TensorDesc>& in, atb::SVector<atb::TensorDesc>& out) const override {
    if (in.size() != nin_) return atb::ERROR_INVALID_IN_TENSOR_NUM;
    out.resize(nout_);
    for (uint32_t i = 0; i < nout_; i++) out[i] = in[0];
    return atb::NO_ERROR;
  }
  atb::Status Setup(const atb::VariantPack& pack, uint64_t& ws, atb::Context* ctx) override {
    if (!ctx) return report(atb::ERROR_INVALID_CONTEXT_ADDR, "Setup: null context");
    Call c{pack, {}};
    uint64_t need = 0;
    if (atb::Status s = validate(c, need)) return report(s, "Setup: " + c.why);
    ws = need;
    return atb::NO_ERROR;
  }
  atb::Status Execute(const atb::VariantPack& pack, uint8_t* ws, uint64_t wsSize, atb::Context* ctx) override {
    if (!ctx) return report(atb::ERROR_INVALID_CONTEXT_ADDR, "Execute: null context");
    if (aclError e = requireDevice((name_ + " Execute").c_str())) {
      (void)e;
      return report(atb::ERROR_RT_FAIL, "Execute: error 107002, no device context on this thread (aclrtSetDevice)");
    }
    Stream* st = streamOf(static_cast<SimContext*>(ctx)->stream);
    if (!st) return report(atb::ERROR_INVALID_STREAM, "Execute: the context has no execute stream");
    if (st->device != currentDevice()) return report(atb::ERROR_RT_FAIL, "Execute: stream of another device");
    Call c{pack, {}, static_cast<SimContext*>(ctx)->stream};
    uint64_t need = 0;
    if (atb::Status s = validate(c, need)) return report(s, "Execute: " + c.why);
    if (wsSize < need) {
      return report(atb::ERROR_INVALID_WORKSPACE_SIZE, "Execute: workspace of " + std::to_string(wsSize) +
                                                           " bytes, Setup asked for " + std::to_string(need));
    }
    if (need > 0 && !isDeviceRange(ws, need)) {
      return report(atb::ERROR_INVALID_WORKSPACE_ADDR, "Execute: workspace is not device memory of the asked size");
    }
    run(c, ws, st);
    if (c.status != atb::NO_ERROR) return report(c.status, "Execute: " + c.why);
    return atb::NO_ERROR;
  }

 protected:
  virtual atb::Status check(Call& c, uint64_t& ws) = 0;
  virtual void run(Call& c, uint8_t* ws, Stream* st) = 0;

 private:
  atb::Status validate(Call& c, uint64_t& ws) {
    if (c.pack.inTensors.size() != nin_) {
      return c.fail(atb::ERROR_INVALID_IN_TENSOR_NUM, "expects " + std::to_string(nin_) + " inputs, got " +
                                                           std::to_string(c.pack.inTensors.size()));
    }
    if (c.pack.outTensors.size() != nout_) {
      return c.fail(atb::ERROR_INVALID_TENSOR_NUM, "expects " + std::to_string(nout_) + " outputs");
    }
    for (int io = 0; io < 2; io++) {
      const auto& list = io == 0 ? c.pack.inTensors : c.pack.outTensors;
      for (size_t i = 0; i < list.size(); i++) {
        const atb::Tensor& t = list[i];
        uint64_t bytes = numel(t.desc) * dtypeBytes(t.desc.dtype);
        std::string which = std::string(io == 0 ? "input " : "output ") + std::to_string(i);
        if (t.desc.shape.dimNum == 0 || t.desc.shape.dimNum > atb::MAX_DIM || dtypeBytes(t.desc.dtype) == 0) {
          return c.fail(atb::ERROR_INVALID_TENSOR_DIM, which + ": bad shape or dtype");
        }
        if (t.dataSize < bytes) return c.fail(atb::ERROR_INVALID_TENSOR_SIZE, which + ": dataSize below its shape");
        if (bytes > 0 && !isDeviceRange(t.deviceData, bytes)) {
          return c.fail(atb::ERROR_INVALID_TENSOR_ADDR, which + ": deviceData is not device memory of its size");
        }
      }
    }
    return check(c, ws);
  }
  atb::Status report(atb::Status s, const std::string& why) {
    setError(name_ + " " + why);
    return s;
  }
  std::string name_;
  uint32_t nin_, nout_;
};

// ---------------------------------------------------------------- Linear (float)
class LinearOp : public SimOp {
 public:
  explicit LinearOp(const atb::infer::LinearParam& p) : SimOp("LinearOperation", p.hasBias ? 3 : 2, 1), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    if (p_.transposeA || !p_.transposeB) return c.fail(atb::ERROR_INVALID_PARAM, "simulator: only transposeB=true");
    if (p_.quantMode != 0 || (p_.outDataType != ACL_DT_UNDEFINED && p_.outDataType != c.in(0).desc.dtype)) {
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: quantised Linear is not implemented");
    }
    const auto& x = c.in(0).desc;
    const auto& w = c.in(1).desc;
    if (!isHalf(x.dtype) || w.dtype != x.dtype || c.out(0).desc.dtype != x.dtype) {
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "x, weight and out must be one of fp16/bf16");
    }
    if (w.shape.dimNum != 2 || lastDim(x) != w.shape.dims[1]) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "k differs");
    k_ = lastDim(x);
    m_ = numel(x) / k_;
    n_ = w.shape.dims[0];
    if (numel(c.out(0).desc) != m_ * n_) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "out is not [m, n]");
    if (p_.hasBias && (numel(c.in(2).desc) != n_ || c.in(2).desc.dtype != x.dtype)) {
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "bias is not [n]");
    }
    ws = (m_ * k_ + m_ * n_) * 4;
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t* ws, Stream*) override {
    float* x32 = reinterpret_cast<float*>(ws);
    float* o32 = x32 + m_ * k_;
    aclDataType dt = c.in(0).desc.dtype;
    tn_convert(c.in(0).deviceData, tnDtype(dt), x32, TN_F32, m_ * k_);
    const tn_linear_weight w = {c.in(1).deviceData, nullptr, tnDtype(dt), TN_ACT_NONE};
    tn_linear(x32, int(m_), int(k_), &w, int(n_), o32, 0);
    if (p_.hasBias) {
      for (uint64_t i = 0; i < m_; i++)
        for (uint64_t j = 0; j < n_; j++) o32[i * n_ + j] += loadFloat(c.in(2).deviceData, dt, j);
    }
    tn_convert(o32, TN_F32, c.out(0).deviceData, tnDtype(dt), m_ * n_);
  }

 private:
  atb::infer::LinearParam p_;
  uint64_t m_ = 0, k_ = 0, n_ = 0;
};

// ---------------------------------------------------------------- RmsNorm (NORM)
class RmsNormOp : public SimOp {
 public:
  explicit RmsNormOp(const atb::infer::RmsNormParam& p) : SimOp("RmsNormOperation", 2, 1), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    if (p_.layerType != atb::infer::RmsNormParam::RMS_NORM_NORM || p_.normParam.quantType != atb::infer::QUANT_UNQUANT ||
        p_.normParam.dynamicQuantType != atb::infer::DYNAMIC_QUANT_UNDEFINED) {
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: only layerType NORM without quantisation");
    }
    aclDataType dt = c.in(0).desc.dtype;
    if (!isHalf(dt) || c.in(1).desc.dtype != dt || c.out(0).desc.dtype != dt) {
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "x, gamma, y must share fp16/bf16");
    }
    h_ = lastDim(c.in(0).desc);
    rows_ = numel(c.in(0).desc) / h_;
    if (numel(c.in(1).desc) != h_ || numel(c.out(0).desc) != rows_ * h_) {
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "gamma must be [h], y like x");
    }
    ws = (2 * rows_ * h_ + h_) * 4;
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t* ws, Stream*) override {
    float* x = reinterpret_cast<float*>(ws);
    float* g = x + rows_ * h_;
    float* y = g + h_;
    int dt = tnDtype(c.in(0).desc.dtype);
    tn_convert(c.in(0).deviceData, dt, x, TN_F32, rows_ * h_);
    tn_convert(c.in(1).deviceData, dt, g, TN_F32, h_);
    tn_rms_norm(x, g, y, int(rows_), int(h_), p_.normParam.epsilon);
    tn_convert(y, TN_F32, c.out(0).deviceData, dt, rows_ * h_);
  }

 private:
  atb::infer::RmsNormParam p_;
  uint64_t rows_ = 0, h_ = 0;
};

// ---------------------------------------------------------------- Rope (rotate-half)
class RopeOp : public SimOp {
 public:
  explicit RopeOp(const atb::infer::RopeParam& p) : SimOp("RopeOperation", 5, 2), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    if (p_.rotaryCoeff != 2 || p_.cosFormat != 0) {
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: only rotaryCoeff 2 (rotate-half), cosFormat 0");
    }
    aclDataType dt = c.in(0).desc.dtype;
    for (int i = 0; i < 4; i++)
      if (c.in(i).desc.dtype != dt || !isHalf(dt)) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "q, k, cos, sin fp16/bf16");
    if (c.in(4).desc.dtype != ACL_INT32 && c.in(4).desc.dtype != ACL_UINT32)
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "seqlen must be int32");
    d_ = lastDim(c.in(2).desc);
    t_ = numel(c.in(2).desc) / d_;
    if (d_ % 2 || numel(c.in(3).desc) != t_ * d_ || numel(c.in(0).desc) % (t_ * d_) || numel(c.in(1).desc) % (t_ * d_))
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "q/k must be [T, heads*d] with cos/sin [T, d]");
    if (numel(c.out(0).desc) != numel(c.in(0).desc) || numel(c.out(1).desc) != numel(c.in(1).desc))
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "outputs must have the shapes of q and k");
    ws = 0;
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t*, Stream*) override {
    aclDataType dt = c.in(0).desc.dtype;
    std::vector<float> buf(d_);
    for (int which = 0; which < 2; which++) {
      uint64_t heads = numel(c.in(which).desc) / (t_ * d_);
      const void* src = c.in(which).deviceData;
      void* dst = c.out(which).deviceData;
      for (uint64_t t = 0; t < t_; t++)
        for (uint64_t h = 0; h < heads; h++) {
          uint64_t base = (t * heads + h) * d_;
          for (uint64_t i = 0; i < d_; i++) buf[i] = loadFloat(src, dt, base + i);
          for (uint64_t i = 0; i < d_; i++) {
            float rot = i < d_ / 2 ? -buf[i + d_ / 2] : buf[i - d_ / 2];
            float v = buf[i] * loadFloat(c.in(2).deviceData, dt, t * d_ + i) + rot * loadFloat(c.in(3).deviceData, dt, t * d_ + i);
            storeFloat(dst, dt, base + i, v);
          }
        }
    }
  }

 private:
  atb::infer::RopeParam p_;
  uint64_t d_ = 0, t_ = 0;
};

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
      : SimOp("SelfAttentionOperation", p.maskType == atb::infer::SelfAttentionParam::MASK_TYPE_UNDEFINED ? 4 : 5, 1), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    using P = atb::infer::SelfAttentionParam;
    if (p_.calcType != P::PA_ENCODER) return c.fail(atb::ERROR_INVALID_PARAM, "simulator: only calcType PA_ENCODER");
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
  void run(Call& c, uint8_t* ws, Stream*) override {
    aclDataType dt = c.in(0).desc.dtype;
    size_t es = dtypeBytes(dt);
    float* scores = reinterpret_cast<float*>(ws);
    float* acc = scores + maxLen_;
    const int32_t* lens = static_cast<const int32_t*>(c.in(nmask() + 3).hostData);
    const char* q = static_cast<const char*>(c.in(0).deviceData);
    const char* k = static_cast<const char*>(c.in(1).deviceData);
    const char* v = static_cast<const char*>(c.in(2).deviceData);
    char* out = static_cast<char*>(c.out(0).deviceData);
    int64_t nq = p_.headNum, nk = p_.kvHeadNum, d = d_, group = nq / nk;
    const void* mask = nmask() ? c.in(3).deviceData : nullptr;
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
            if (!p_.isTriuMask) return loadFloat(mask, dt, uint64_t(i) * maskCols_ + j);
            int64_t bi = i / maskRows_, bj = j / maskRows_;
            if (bj > bi) return -INFINITY;
            if (bj < bi) return 0.f;
            return loadFloat(mask, dt, uint64_t(i % maskRows_) * maskCols_ + j % maskRows_);
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

// ---------------------------------------------------------------- PagedAttention (decode)
class PagedAttentionOp : public SimOp {
 public:
  explicit PagedAttentionOp(const atb::infer::PagedAttentionParam& p) : SimOp("PagedAttentionOperation", 5, 1), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    if (p_.maskType != atb::infer::PagedAttentionParam::UNDEFINED || p_.quantType != 0 || p_.calcType != 0)
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: maskType UNDEFINED, no quantisation, no SPEC");
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
    ws = uint64_t(maxLen_ + d_) * 4;
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t* ws, Stream* st) override {
    aclDataType dt = c.in(0).desc.dtype;
    size_t es = dtypeBytes(dt);
    float* scores = reinterpret_cast<float*>(ws);
    float* acc = scores + maxLen_;
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
        auto bias = [](int64_t) { return 0.f; };
        attendRow(keyRow, valRow, static_cast<const char*>(c.in(0).deviceData) + (b * nq + h) * d_ * es, dt, d_, len,
                  p_.qkScale, bias, scores, acc, static_cast<char*>(c.out(0).deviceData) + (b * nq + h) * d_ * es);
      }
    }
  }

 private:
  atb::infer::PagedAttentionParam p_;
  int64_t nb_ = 0, bs_ = 0, d_ = 0, b_ = 0, maxBlocks_ = 0, maxLen_ = 0;
};

// ---------------------------------------------------------------- ReshapeAndCache
class ReshapeAndCacheOp : public SimOp {
 public:
  explicit ReshapeAndCacheOp(const atb::infer::ReshapeAndCacheParam& p) : SimOp("ReshapeAndCacheOperation", 5, 2), p_(p) {}
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

// ---------------------------------------------------------------- Elewise (CAST, ADD, MUL)
class ElewiseOp : public SimOp {
  using P = atb::infer::ElewiseParam;

 public:
  explicit ElewiseOp(const P& p) : SimOp("ElewiseOperation", p.elewiseType == P::ELEWISE_CAST ? 1 : 2, 1), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    ws = 0;
    n_ = numel(c.in(0).desc);
    if (numel(c.out(0).desc) != n_) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "out must match x");
    aclDataType a = c.in(0).desc.dtype, o = c.out(0).desc.dtype;
    if (p_.elewiseType == P::ELEWISE_CAST) {
      if (o != p_.outTensorType) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "out dtype must be outTensorType");
      bool ok = (isFloat(a) && isFloat(o)) || (a == ACL_INT32 && o == ACL_INT64) || (a == ACL_INT64 && o == ACL_INT32);
      return ok ? atb::NO_ERROR : c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "simulator: float<->float, int32<->int64 casts");
    }
    if (p_.elewiseType != P::ELEWISE_ADD && p_.elewiseType != P::ELEWISE_MUL)
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: elewiseType CAST, ADD or MUL only");
    if (!isFloat(a) || c.in(1).desc.dtype != a || o != a || numel(c.in(1).desc) != n_)
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "x, y, out: same float dtype and shape");
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t*, Stream*) override {
    aclDataType a = c.in(0).desc.dtype, o = c.out(0).desc.dtype;
    if (p_.elewiseType == P::ELEWISE_CAST) {
      if (isFloat(a)) {
        tn_convert(c.in(0).deviceData, tnDtype(a), c.out(0).deviceData, tnDtype(o), n_);
      } else if (a == ACL_INT32) {
        for (uint64_t i = 0; i < n_; i++) static_cast<int64_t*>(c.out(0).deviceData)[i] = static_cast<const int32_t*>(c.in(0).deviceData)[i];
      } else {
        for (uint64_t i = 0; i < n_; i++) static_cast<int32_t*>(c.out(0).deviceData)[i] = int32_t(static_cast<const int64_t*>(c.in(0).deviceData)[i]);
      }
      return;
    }
    bool add = p_.elewiseType == P::ELEWISE_ADD;
    for (uint64_t i = 0; i < n_; i++) {
      float x = loadFloat(c.in(0).deviceData, a, i), y = loadFloat(c.in(1).deviceData, a, i);
      storeFloat(c.out(0).deviceData, a, i, add ? x + y : x * y);
    }
  }

 private:
  P p_;
  uint64_t n_ = 0;
};

// ---------------------------------------------------------------- Activation (SWIGLU_FORWARD, LOG)
class ActivationOp : public SimOp {
 public:
  explicit ActivationOp(const atb::infer::ActivationParam& p) : SimOp("ActivationOperation", 1, 1), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    ws = 0;
    aclDataType dt = c.in(0).desc.dtype;
    if (!isFloat(dt) || c.out(0).desc.dtype != dt) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "float x and y");
    n_ = numel(c.in(0).desc);
    if (p_.activationType == atb::infer::ACTIVATION_SWIGLU_FORWARD) {
      if (p_.dim != -1 && p_.dim != int32_t(c.in(0).desc.shape.dimNum) - 1)
        return c.fail(atb::ERROR_INVALID_PARAM, "simulator: SwiGLU on the last dim only");
      w_ = lastDim(c.in(0).desc);
      if (w_ % 2 || numel(c.out(0).desc) != n_ / 2) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "y must be [..., n] of x [..., 2n]");
      return atb::NO_ERROR;
    }
    if (p_.activationType == atb::infer::ACTIVATION_LOG) {
      return numel(c.out(0).desc) == n_ ? atb::NO_ERROR : c.fail(atb::ERROR_INVALID_TENSOR_DIM, "y like x");
    }
    return c.fail(atb::ERROR_INVALID_PARAM, "simulator: SWIGLU_FORWARD or LOG only");
  }
  void run(Call& c, uint8_t*, Stream*) override {
    aclDataType dt = c.in(0).desc.dtype;
    const void* x = c.in(0).deviceData;
    void* y = c.out(0).deviceData;
    if (p_.activationType == atb::infer::ACTIVATION_LOG) {
      for (uint64_t i = 0; i < n_; i++) storeFloat(y, dt, i, std::log(loadFloat(x, dt, i)));
      return;
    }
    uint64_t half = w_ / 2, rows = n_ / w_;
    for (uint64_t r = 0; r < rows; r++)
      for (uint64_t i = 0; i < half; i++) {
        float a = loadFloat(x, dt, r * w_ + i), b = loadFloat(x, dt, r * w_ + half + i);
        storeFloat(y, dt, r * half + i, a / (1.f + std::exp(-a)) * b);
      }
  }

 private:
  atb::infer::ActivationParam p_;
  uint64_t n_ = 0, w_ = 0;
};

// ---------------------------------------------------------------- Softmax (last axis)
class SoftmaxOp : public SimOp {
 public:
  explicit SoftmaxOp(const atb::infer::SoftmaxParam& p) : SimOp("SoftmaxOperation", 1, 1), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    ws = 0;
    const auto& x = c.in(0).desc;
    if (p_.axes.size() != 1 || (p_.axes[0] != int64_t(x.shape.dimNum) - 1 && p_.axes[0] != -1))
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: softmax over the last axis only");
    if (!isFloat(x.dtype) || c.out(0).desc.dtype != x.dtype || numel(c.out(0).desc) != numel(x))
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "float x, y like x");
    w_ = lastDim(x);
    n_ = numel(x);
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t*, Stream*) override {
    aclDataType dt = c.in(0).desc.dtype;
    std::vector<float> row(w_);
    for (uint64_t r = 0; r < n_ / w_; r++) {
      float mx = -INFINITY, sum = 0;
      for (uint64_t i = 0; i < w_; i++) mx = std::fmax(mx, row[i] = loadFloat(c.in(0).deviceData, dt, r * w_ + i));
      for (uint64_t i = 0; i < w_; i++) sum += row[i] = std::exp(row[i] - mx);
      for (uint64_t i = 0; i < w_; i++) storeFloat(c.out(0).deviceData, dt, r * w_ + i, row[i] / sum);
    }
  }

 private:
  atb::infer::SoftmaxParam p_;
  uint64_t w_ = 0, n_ = 0;
};

// ---------------------------------------------------------------- Gather (axis 0)
class GatherOp : public SimOp {
 public:
  explicit GatherOp(const atb::infer::GatherParam& p) : SimOp("GatherOperation", 2, 1), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    ws = 0;
    if (p_.axis != 0 || p_.batchDims != 0) return c.fail(atb::ERROR_INVALID_PARAM, "simulator: axis 0, batchDims 0 only");
    aclDataType it = c.in(1).desc.dtype;
    if (it != ACL_INT32 && it != ACL_INT64) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "indices int32/int64");
    if (c.out(0).desc.dtype != c.in(0).desc.dtype) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "out dtype of x");
    rows_ = c.in(0).desc.shape.dims[0];
    rowBytes_ = numel(c.in(0).desc) / uint64_t(rows_) * dtypeBytes(c.in(0).desc.dtype);
    n_ = numel(c.in(1).desc);
    if (numel(c.out(0).desc) * dtypeBytes(c.out(0).desc.dtype) != n_ * rowBytes_)
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "out must be [indices..., x row]");
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t*, Stream* st) override {
    bool i64 = c.in(1).desc.dtype == ACL_INT64;
    for (uint64_t i = 0; i < n_; i++) {
      int64_t id = i64 ? static_cast<const int64_t*>(c.in(1).deviceData)[i] : static_cast<const int32_t*>(c.in(1).deviceData)[i];
      if (id < 0 || id >= rows_) return kernelFault(st, "Gather: index " + std::to_string(id) + " out of range");
      std::memcpy(static_cast<char*>(c.out(0).deviceData) + i * rowBytes_, static_cast<const char*>(c.in(0).deviceData) + id * rowBytes_, rowBytes_);
    }
  }

 private:
  atb::infer::GatherParam p_;
  int64_t rows_ = 0;
  uint64_t rowBytes_ = 0, n_ = 0;
};

// ---------------------------------------------------------------- Split (last dim)
class SplitOp : public SimOp {
 public:
  explicit SplitOp(const atb::infer::SplitParam& p) : SimOp("SplitOperation", 1, uint32_t(p.splitNum)), p_(p) {}
  atb::Status check(Call& c, uint64_t& ws) override {
    ws = 0;
    const auto& x = c.in(0).desc;
    int32_t last = int32_t(x.shape.dimNum) - 1;
    if (p_.splitDim != last && p_.splitDim != -1) return c.fail(atb::ERROR_INVALID_PARAM, "simulator: split on the last dim only");
    int64_t w = lastDim(x), sum = 0;
    sizes_.clear();
    for (int32_t i = 0; i < p_.splitNum; i++) {
      int64_t s = p_.splitSizes.empty() ? w / p_.splitNum : p_.splitSizes[i];
      sizes_.push_back(s);
      sum += s;
      if (c.out(i).desc.dtype != x.dtype || numel(c.out(i).desc) != numel(x) / w * s)
        return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "output " + std::to_string(i) + " shape");
    }
    if (sum != w) return c.fail(atb::ERROR_INVALID_PARAM, "split sizes do not add up to the dim");
    return atb::NO_ERROR;
  }
  void run(Call& c, uint8_t*, Stream*) override {
    const auto& x = c.in(0).desc;
    size_t es = dtypeBytes(x.dtype);
    int64_t w = lastDim(x), rows = int64_t(numel(x)) / w, off = 0;
    for (size_t i = 0; i < sizes_.size(); i++) {
      for (int64_t r = 0; r < rows; r++)
        std::memcpy(static_cast<char*>(c.out(i).deviceData) + r * sizes_[i] * es,
                    static_cast<const char*>(c.in(0).deviceData) + (r * w + off) * es, sizes_[i] * es);
      off += sizes_[i];
    }
  }

 private:
  atb::infer::SplitParam p_;
  std::vector<int64_t> sizes_;
};

// ---------------------------------------------------------------- AllReduce, AllGather
// CreateOperation makes the checks ATB's own makes (all_reduce_operation.cpp, all_gather_operation.cpp,
// OperationUtil::DistributedInitCheck), then the simulator's limits, each with its reason. Execute
// runs the collective as ATB's runners do: backend "hccl" calls HcclAllReduce / HcclAllGather on
// param.hcclComm (ATB then never makes a communicator of its own); backend "lccl" ignores hcclComm
// and uses the communicator of (rank, rankSize, commDomain) that ATB's LCCL runner makes with
// LcalCommInitThread in COMM_MULTI_THREAD (here tsim::threadCommInit). The result is staged in the
// workspace (rankSize x input bytes for AllGather, input bytes for AllReduce) and then copied to the
// output, so input and output may be one buffer; a real AllReduce/AllGather may ask for no workspace.
constexpr size_t kMaxCommDomain = 128;  // ATB's MAX_STRING_LEN for commDomain

HcclDataType hcclType(aclDataType t) {
  switch (t) {
    case ACL_FLOAT: return HCCL_DATA_TYPE_FP32;
    case ACL_FLOAT16: return HCCL_DATA_TYPE_FP16;
    case ACL_BF16: return HCCL_DATA_TYPE_BFP16;
    case ACL_INT8: return HCCL_DATA_TYPE_INT8;
    case ACL_INT16: return HCCL_DATA_TYPE_INT16;
    case ACL_INT32: return HCCL_DATA_TYPE_INT32;
    case ACL_INT64: return HCCL_DATA_TYPE_INT64;
    case ACL_UINT8: return HCCL_DATA_TYPE_UINT8;
    case ACL_UINT16: return HCCL_DATA_TYPE_UINT16;
    case ACL_UINT32: return HCCL_DATA_TYPE_UINT32;
    case ACL_UINT64: return HCCL_DATA_TYPE_UINT64;
    default: return HCCL_DATA_TYPE_RESERVED;
  }
}

// The fields AllReduceParam and AllGatherParam share; "" if acceptable, else why not.
template <class P>
std::string commParamProblem(const P& p) {
  if (p.backend != "hccl" && p.backend != "lccl") return "backend must be hccl or lccl, not \"" + p.backend + "\"";
  // (ATB also refuses lccl on Atlas inference products, 310P; the simulated device is an 800I A2.)
  if (p.commMode != atb::infer::COMM_MULTI_PROCESS && p.commMode != atb::infer::COMM_MULTI_THREAD) {
    return "commMode " + std::to_string(int(p.commMode)) + " is neither COMM_MULTI_PROCESS nor COMM_MULTI_THREAD";
  }
  if (p.commDomain.size() > kMaxCommDomain) return "commDomain longer than 128 characters";
  if (!p.rankTableFile.empty()) return "simulator: rankTableFile (multi-node, HcclCommInitClusterInfo) is not simulated";
  if (p.commMode != atb::infer::COMM_MULTI_THREAD) {
    return "simulator: one process drives every rank, so commMode must be COMM_MULTI_THREAD (COMM_MULTI_PROCESS "
           "bootstraps through shared memory between processes)";
  }
  if (p.rankSize < 1 || p.rank < 0 || p.rank >= p.rankSize || p.rankRoot < 0 || p.rankRoot >= p.rankSize) {
    return "rank " + std::to_string(p.rank) + " / rankRoot " + std::to_string(p.rankRoot) + " not in [0, rankSize " +
           std::to_string(p.rankSize) + ")";
  }
  if (p.backend == "hccl" && p.hcclComm == nullptr) {
    return "simulator: backend hccl without hcclComm would make ATB bootstrap its own communicator (HcclGetRootInfo "
           "published in shared memory \"hcclShareMem<commDomain>\"), which is not simulated: pass hcclComm";
  }
  return "";
}

class CollectiveOp : public SimOp {
 public:
  CollectiveOp(const char* name, bool gather, const std::string& backend, int rank, int rankSize,
               HcclComm hcclComm, const std::string& commDomain)
      : SimOp(name, 1, 1), gather_(gather), backend_(backend), rank_(rank), rankSize_(rankSize),
        hcclComm_(hcclComm), commDomain_(commDomain) {}

  atb::Status check(Call& c, uint64_t& ws) override {
    const atb::TensorDesc& x = c.in(0).desc;
    const atb::TensorDesc& out = c.out(0).desc;
    if (out.dtype != x.dtype) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "output dtype differs from the input's");
    if (hcclType(x.dtype) == HCCL_DATA_TYPE_RESERVED) {
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "dtype " + std::to_string(int(x.dtype)) + " has no HCCL type");
    }
    if (atb::Status s = checkDtype(c, x.dtype)) return s;
    uint64_t lead = gather_ ? 1 : 0;  // AllGather's output: a new leading dim of rankSize
    bool same = out.shape.dimNum == x.shape.dimNum + lead && (!gather_ || out.shape.dims[0] == rankSize_);
    for (uint64_t i = 0; same && i < x.shape.dimNum; i++) same = out.shape.dims[i + lead] == x.shape.dims[i];
    if (!same) {
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, gather_ ? "output must be [rankSize = " + std::to_string(rankSize_) +
                                                                  ", input dims...]"
                                                            : "output must have the input's shape");
    }
    count_ = numel(x);
    ws = numel(out) * dtypeBytes(out.dtype);
    return atb::NO_ERROR;
  }

  void run(Call& c, uint8_t* ws, Stream*) override {
    HcclDataType dt = hcclType(c.in(0).desc.dtype);
    HcclComm comm = hcclComm_;
    bool lccl = backend_ == "lccl";
    if (lccl) {
      // ATB's LCCL runner makes its communicator from (rank, rankSize, commDomain), never hcclComm;
      // a failure there is reported as ERROR_RT_FAIL (LcalRunner::SetupImpl)
      if (HcclResult r = tsim::threadCommInit("LcalCommInitThread", uint32_t(rank_), uint32_t(rankSize_),
                                              commDomain_, &comm)) {
        c.status = c.fail(atb::ERROR_RT_FAIL, "LcalCommInitThread returned " + std::to_string(int(r)) + ": " +
                                                  recentError());
        return;
      }
    } else if (uint32_t n = tsim::commRankSize(comm); n != 0 && n != uint32_t(rankSize_)) {
      c.status = c.fail(atb::ERROR_INVALID_PARAM, "hcclComm has " + std::to_string(n) + " ranks but rankSize is " +
                                                      std::to_string(rankSize_));
      return;
    }
    const char* api = lccl ? (gather_ ? "Lccl::AllGather" : "Lccl::AllReduce")
                           : (gather_ ? "HcclAllGather" : "HcclAllReduce");
    HcclResult r = lccl ? tsim::runCollective(api, gather_, comm, c.in(0).deviceData, ws, count_, dt, HCCL_REDUCE_SUM,
                                              c.stream)
                        : gather_ ? HcclAllGather(c.in(0).deviceData, ws, count_, dt, comm, c.stream)
                                  : HcclAllReduce(c.in(0).deviceData, ws, count_, dt, HCCL_REDUCE_SUM, comm, c.stream);
    if (r != HCCL_SUCCESS) {
      // ATB's hccl runner reports a failed HCCL call as ERROR_CANN_ERROR, its LCCL runner as ERROR_RT_FAIL
      c.status = c.fail(lccl ? atb::ERROR_RT_FAIL : atb::ERROR_CANN_ERROR,
                        std::string(api) + " returned " + std::to_string(int(r)) + ": " + recentError());
      return;
    }
    std::memcpy(c.out(0).deviceData, ws, numel(c.out(0).desc) * dtypeBytes(c.out(0).desc.dtype));
  }

 protected:
  virtual atb::Status checkDtype(Call& c, aclDataType dt) = 0;
  const std::string& backend() const { return backend_; }

 private:
  static std::string recentError() {
    const char* m = aclGetRecentErrMsg();
    return m ? m : "";
  }
  bool gather_;
  std::string backend_;
  int rank_, rankSize_;
  HcclComm hcclComm_;
  std::string commDomain_;
  uint64_t count_ = 0;
};

class AllReduceOp : public CollectiveOp {
 public:
  explicit AllReduceOp(const atb::infer::AllReduceParam& p)
      : CollectiveOp("AllReduceOperation", false, p.backend, p.rank, p.rankSize, p.hcclComm, p.commDomain) {}

  // ascend-api.md §3 and ATB's DtypeCheck: fp16/fp32/int8/int16/int32/int64/bf16, lccl without int64.
  atb::Status checkDtype(Call& c, aclDataType dt) override {
    bool listed = dt == ACL_FLOAT16 || dt == ACL_FLOAT || dt == ACL_BF16 || dt == ACL_INT8 || dt == ACL_INT16 ||
                  dt == ACL_INT32 || dt == ACL_INT64;
    if (!listed) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "dtype " + std::to_string(int(dt)) + " is not supported");
    if (backend() == "lccl" && dt == ACL_INT64) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "lccl does not support int64");
    if (!isFloat(dt)) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "simulator: sums fp16, bf16 and fp32 only");
    return atb::NO_ERROR;
  }

  static std::string problem(const atb::infer::AllReduceParam& p) {
    std::string why = commParamProblem(p);
    if (!why.empty()) return why;
    const std::string& t = p.allReduceType;
    if (t != "sum" && t != "prod" && t != "max" && t != "min") {
      return "allReduceType must be sum, prod, max or min, not \"" + t + "\"";
    }
    if (p.backend == "lccl" && t == "prod") return "allReduceType prod is not supported by lccl";
    if (p.quantType != atb::infer::AllReduceParam::QUANT_TYPE_UNQUANT) {
      return p.backend == "hccl" ? "hccl does not support quantType " + std::to_string(int(p.quantType))
                                 : "simulator: quantised AllReduce is not simulated";
    }
    if (t != "sum") return "simulator: allReduceType " + t + " is not simulated (sum only)";
    return "";
  }
};

class AllGatherOp : public CollectiveOp {
 public:
  explicit AllGatherOp(const atb::infer::AllGatherParam& p)
      : CollectiveOp("AllGatherOperation", true, p.backend, p.rank, p.rankSize, p.hcclComm, p.commDomain) {}
  // every type HCCL moves; AllGather copies bytes
  atb::Status checkDtype(Call&, aclDataType) override { return atb::NO_ERROR; }
  static std::string problem(const atb::infer::AllGatherParam& p) { return commParamProblem(p); }
};

// CreateOperation of a collective: ERROR_INVALID_PARAM with the reason, as ATB refuses a bad param.
template <class Op, class P>
atb::Status makeCollective(const char* name, const P& p, atb::Operation** op) {
  if (!op) return atb::ERROR_INVALID_PARAM;
  std::string why = Op::problem(p);
  if (!why.empty()) {
    setError(std::string(name) + " CreateOperation: " + why);
    return atb::ERROR_INVALID_PARAM;
  }
  *op = new Op(p);
  return atb::NO_ERROR;
}

template <class Op, class P>
atb::Status make(const P& p, atb::Operation** op) {
  if (!op) return atb::ERROR_INVALID_PARAM;
  *op = new Op(p);
  return atb::NO_ERROR;
}
}  // namespace

namespace atb {
Status CreateContext(Context** context) {
  if (!context) return ERROR_INVALID_PARAM;
  if (requireDevice("CreateContext") != ACL_SUCCESS) return ERROR_RT_FAIL;
  *context = new SimContext();
  return NO_ERROR;
}
Status DestroyContext(Context* context) {
  delete context;
  return NO_ERROR;
}
Status DestroyOperation(Operation* operation) {
  delete operation;
  return NO_ERROR;
}
template <> Status CreateOperation(const infer::LinearParam& p, Operation** op) { return make<LinearOp>(p, op); }
template <> Status CreateOperation(const infer::RmsNormParam& p, Operation** op) { return make<RmsNormOp>(p, op); }
template <> Status CreateOperation(const infer::RopeParam& p, Operation** op) { return make<RopeOp>(p, op); }
template <> Status CreateOperation(const infer::SelfAttentionParam& p, Operation** op) { return make<SelfAttentionOp>(p, op); }
template <> Status CreateOperation(const infer::PagedAttentionParam& p, Operation** op) { return make<PagedAttentionOp>(p, op); }
template <> Status CreateOperation(const infer::ReshapeAndCacheParam& p, Operation** op) { return make<ReshapeAndCacheOp>(p, op); }
template <> Status CreateOperation(const infer::ElewiseParam& p, Operation** op) { return make<ElewiseOp>(p, op); }
template <> Status CreateOperation(const infer::ActivationParam& p, Operation** op) { return make<ActivationOp>(p, op); }
template <> Status CreateOperation(const infer::SoftmaxParam& p, Operation** op) { return make<SoftmaxOp>(p, op); }
template <> Status CreateOperation(const infer::GatherParam& p, Operation** op) { return make<GatherOp>(p, op); }
template <> Status CreateOperation(const infer::AllReduceParam& p, Operation** op) {
  return makeCollective<AllReduceOp>("AllReduceOperation", p, op);
}
template <> Status CreateOperation(const infer::AllGatherParam& p, Operation** op) {
  return makeCollective<AllGatherOp>("AllGatherOperation", p, op);
}
template <> Status CreateOperation(const infer::SplitParam& p, Operation** op) {
  if (p.splitNum != 2 && p.splitNum != 3) return ERROR_INVALID_PARAM;
  return make<SplitOp>(p, op);
}
}  // namespace atb
