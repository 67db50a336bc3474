// Simulated ATB dense operations: Linear (float), RmsNorm (NORM), Rope (rotate-half), Elewise
// (CAST, ADD, MUL), Activation (SWIGLU_FORWARD, LOG), Softmax, Gather and Split, each on the cpu
// backend's kernels or a plain loop in f32 over the stored dtype.
#include <cmath>
#include <cstring>
#include <vector>
#include "atb_op.h"
#include "tramontane_cpu.h"

using namespace tsim;

namespace {
// ---------------------------------------------------------------- Linear (float)
class LinearOp : public SimOp {
 public:
  explicit LinearOp(const atb::infer::LinearParam& p) : SimOp("LinearOperation", p.hasBias ? 3 : 2, 1,
              p.hasBias ? "LinearOperationMatmulWithBiasAtlas800IA2" : "LinearOperationMatmulAtlas800IA2"),
        p_(p) {}
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
  explicit RmsNormOp(const atb::infer::RmsNormParam& p) : SimOp("RmsNormOperation", 2, 1, "RmsNormOperationNORMAndQUANTUNDEFINEDWithoutRSTD"), p_(p) {}
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
  explicit RopeOp(const atb::infer::RopeParam& p) : SimOp("RopeOperation", 5, 2, "RopeOperation"), p_(p) {}
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

// ---------------------------------------------------------------- Elewise (CAST, ADD, MUL)
class ElewiseOp : public SimOp {
  using P = atb::infer::ElewiseParam;

 public:
  explicit ElewiseOp(const P& p) : SimOp("ElewiseOperation", inputs(p.elewiseType), 1, ini(p.elewiseType)), p_(p) {}
  // OP-EW-1: the elewiseType range, and how many inputs each type takes
  static bool known(P::ElewiseType t) { return t > P::ELEWISE_UNDEFINED && t < 21; }
  static uint32_t inputs(P::ElewiseType t) {
    switch (t) {
      case P::ELEWISE_ADD: case P::ELEWISE_MUL: case P::ELEWISE_REALDIV: case P::ELEWISE_SUB: return 2;
      case P::ELEWISE_QUANT_PER_CHANNEL: case P::ELEWISE_DEQUANT_PER_CHANNEL: return 3;
      default: return 1;
    }
  }
  static const char* ini(P::ElewiseType t) {
    return t == P::ELEWISE_CAST ? "ElewiseOperationCast" : t == P::ELEWISE_ADD ? "ElewiseOperationAdd" : nullptr;
  }
  // OP-EW-2: CAST's output dtype; ACL_DT_UNDEFINED when outTensorType is not one CAST produces
  static aclDataType castOut(aclDataType in, aclDataType outTensorType) {
    switch (outTensorType) {
      case ACL_FLOAT16: case ACL_FLOAT: case ACL_INT32: case ACL_INT64: case ACL_BF16: return outTensorType;
      case ACL_DT_UNDEFINED: return in == ACL_FLOAT ? ACL_FLOAT16 : ACL_FLOAT;
      default: return ACL_DT_UNDEFINED;
    }
  }
  atb::Status check(Call& c, uint64_t& ws) override {
    ws = 0;
    n_ = numel(c.in(0).desc);
    if (numel(c.out(0).desc) != n_) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "out must match x");
    aclDataType a = c.in(0).desc.dtype, o = c.out(0).desc.dtype;
    if (p_.elewiseType == P::ELEWISE_CAST) {
      aclDataType want = castOut(a, p_.outTensorType);
      if (want == ACL_DT_UNDEFINED) return c.fail(atb::ERROR_INVALID_PARAM, "CAST: outTensorType is not a type CAST makes");
      if (o != want) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "out dtype must be the one outTensorType names");
      return atb::NO_ERROR;
    }
    if (p_.elewiseType != P::ELEWISE_ADD && p_.elewiseType != P::ELEWISE_MUL)
      return c.fail(atb::ERROR_INVALID_PARAM, "simulator: elewiseType CAST, ADD or MUL only");
    if (c.in(1).desc.dtype != a) return c.fail(atb::ERROR_INVALID_PARAM, "x and y dtypes differ (OP-EW-3)");
    if (!isFloat(a) || o != a || numel(c.in(1).desc) != n_)
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "simulator: x, y, out of one float dtype and shape");
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
  explicit ActivationOp(const atb::infer::ActivationParam& p)
      : SimOp("ActivationOperation", 1, 1, ini(p.activationType)), p_(p) {}
  static const char* ini(atb::infer::ActivationType t) {
    return t == atb::infer::ACTIVATION_SWIGLU_FORWARD || t == atb::infer::ACTIVATION_GELU ? "ActivationOperationGELUAndFORWARD"
           : t == atb::infer::ACTIVATION_LOG                                             ? "ActivationOperationLOG"
                                                                                         : nullptr;
  }
  atb::Status check(Call& c, uint64_t& ws) override {
    ws = 0;
    aclDataType dt = c.in(0).desc.dtype;
    if (!isFloat(dt) || c.out(0).desc.dtype != dt) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "float x and y");
    if (c.out(0).desc.shape.dimNum != c.in(0).desc.shape.dimNum)
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "x and y differ in dimNum (OP-ACT-1)");
    n_ = numel(c.in(0).desc);
    if (p_.activationType == atb::infer::ACTIVATION_SWIGLU_FORWARD) {
      w_ = lastDim(c.in(0).desc);
      if (w_ % 32) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "SWIGLU_FORWARD: the input's last dim must be a multiple of 32");
      if (numel(c.out(0).desc) != n_ / 2) return c.fail(atb::ERROR_INVALID_TENSOR_DIM, "y must be [..., n] of x [..., 2n]");
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
  explicit SoftmaxOp(const atb::infer::SoftmaxParam& p) : SimOp("SoftmaxOperation", 1, 1, "SoftmaxOperation"), p_(p) {}
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
  explicit GatherOp(const atb::infer::GatherParam& p) : SimOp("GatherOperation", 2, 1, "GatherOperation"), p_(p) {}
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
  explicit SplitOp(const atb::infer::SplitParam& p) : SimOp("SplitOperation", 1, uint32_t(p.splitNum), nullptr), p_(p) {}
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

}  // namespace

namespace atb {
template <> Status CreateOperation(const infer::LinearParam& p, Operation** op) { return make<LinearOp>(p, op); }
template <> Status CreateOperation(const infer::RmsNormParam& p, Operation** op) { return make<RmsNormOp>(p, op); }
template <> Status CreateOperation(const infer::RopeParam& p, Operation** op) { return make<RopeOp>(p, op); }
template <> Status CreateOperation(const infer::ElewiseParam& p, Operation** op) {
  if (!ElewiseOp::known(p.elewiseType) || !rsvZero(p.quantParam) || !rsvZero(p.mulsParam)) {
    setError("ElewiseOperation CreateOperation: elewiseType out of range or reserved bytes set (OP-EW-1, ATB-1)");
    return ERROR_INVALID_PARAM;
  }
  return make<ElewiseOp>(p, op);
}
// OP-ACT-1: a known activationType, and dim -1 (SwiGLU splits the last dim, the others none)
template <> Status CreateOperation(const infer::ActivationParam& p, Operation** op) {
  if (p.activationType <= infer::ACTIVATION_UNDEFINED || p.activationType > infer::ACTIVATION_SIGMOID || p.dim != -1) {
    setError("ActivationOperation CreateOperation: activationType out of range or dim is not -1 (OP-ACT-1)");
    return ERROR_INVALID_PARAM;
  }
  return make<ActivationOp>(p, op);
}
template <> Status CreateOperation(const infer::SoftmaxParam& p, Operation** op) { return make<SoftmaxOp>(p, op); }
template <> Status CreateOperation(const infer::GatherParam& p, Operation** op) { return make<GatherOp>(p, op); }
template <> Status CreateOperation(const infer::SplitParam& p, Operation** op) {
  if (p.splitNum != 2 && p.splitNum != 3) return ERROR_INVALID_PARAM;
  return make<SplitOp>(p, op);
}
}  // namespace atb
