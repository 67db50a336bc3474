// What the simulated ATB operations share (atb.cpp and one file per operation family): the
// context, the tensor helpers, and SimOp, the base that validates every VariantPack at Setup and
// again at Execute (counts, shapes, dtypes, device addresses, workspace) before its run.
#ifndef TRAMONTANE_ASCEND_SIM_ATB_OP_H
#define TRAMONTANE_ASCEND_SIM_ATB_OP_H
#include <cstdint>
#include <string>
#include "atb/atb_infer.h"
#include "sim.h"

namespace tsim {
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

inline uint64_t numel(const atb::TensorDesc& d) {
  uint64_t n = 1;
  for (uint64_t i = 0; i < d.shape.dimNum; i++) n *= uint64_t(d.shape.dims[i]);
  return n;
}
inline int64_t lastDim(const atb::TensorDesc& d) { return d.shape.dimNum ? d.shape.dims[d.shape.dimNum - 1] : 1; }
inline bool isHalf(aclDataType t) { return t == ACL_FLOAT16 || t == ACL_BF16; }
inline bool isFloat(aclDataType t) { return isHalf(t) || t == ACL_FLOAT; }

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
  atb::Status InferShape(const atb::SVector<atb::TensorDesc>& in, atb::SVector<atb::TensorDesc>& out) const override;
  atb::Status Setup(const atb::VariantPack& pack, uint64_t& ws, atb::Context* ctx) override;
  atb::Status Execute(const atb::VariantPack& pack, uint8_t* ws, uint64_t wsSize, atb::Context* ctx) override;

 protected:
  // The operation's own checks of the pack (after the common ones); sets the workspace it needs.
  virtual atb::Status check(Call& c, uint64_t& ws) = 0;
  // The kernel, on validated tensors with the workspace check asked for.
  virtual void run(Call& c, uint8_t* ws, Stream* st) = 0;

 private:
  atb::Status validate(Call& c, uint64_t& ws);
  atb::Status report(atb::Status s, const std::string& why);
  std::string name_;
  uint32_t nin_, nout_;
};

// CreateOperation's body for an operation whose params need no check of their own.
template <class Op, class P>
atb::Status make(const P& p, atb::Operation** op) {
  if (!op) return atb::ERROR_INVALID_PARAM;
  *op = new Op(p);
  return atb::NO_ERROR;
}
}  // namespace tsim
#endif
