// What the simulated ATB operations share (atb.cpp and one file per operation family): the
// context, the tensor helpers, and SimOp, the base that validates every VariantPack at Setup
// (counts, the op's atb_ops_info.ini dtype rows, shapes, device addresses) and at Execute (ATB's
// own Execute checks against that Setup), then queues the kernel on the context's stream.
#ifndef TRAMONTANE_ASCEND_SIM_ATB_OP_H
#define TRAMONTANE_ASCEND_SIM_ATB_OP_H
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
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

// Whether the in/out dtypes of pack (all ND) equal a row of the 8.1.RC1 atb_ops_info.ini section
// `section` (atb_ini.cpp); otherwise `why` names the dtypes and the section.
bool iniMatches(const char* section, const atb::VariantPack& pack, std::string* why);

// Whether the SimContext was made by atb::CreateContext and not destroyed yet (atb.cpp).
bool isLiveContext(const atb::Context* ctx);

class SimOp : public atb::Operation {
 public:
  // `ini`: the atb_ops_info.ini section whose dtype rows the op's tensors must match (ATB-3), or
  // nullptr where the material has none.
  SimOp(std::string name, uint32_t nin, uint32_t nout, const char* ini)
      : name_(std::move(name)), nin_(nin), nout_(nout), ini_(ini) {}
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
  // Whether Execute runs the kernel at once, after the stream's queued work, instead of queueing
  // it (the collectives: their ranks meet inside Execute and a failure is Execute's status).
  virtual bool runsInExecute() const { return false; }

 public:
  // atb::DestroyOperation: deletes the op, or once its queued kernels ran.
  void destroy();

 private:
  atb::Status validate(Call& c, uint64_t& ws);
  atb::Status executeCheck(const atb::VariantPack& pack, uint8_t* ws, uint64_t wsSize, atb::Context* ctx);
  atb::Status report(atb::Status s, const std::string& why);
  std::string name_;
  uint32_t nin_, nout_;
  const char* ini_;
  // what the last Setup saw (ATB-4 compares Execute with it)
  bool setupOk_ = false;
  const atb::Context* setupCtx_ = nullptr;
  uint64_t setupWs_ = 0;
  std::vector<uint64_t> setupBytes_;  // each in then out tensor's size by its desc
  int queued_ = 0;                    // kernels queued and not yet run
  bool destroyed_ = false;
};

// ATB-1: CreateOperation refuses a param whose reserved bytes are not all zero (a build against
// newer headers than the library).
template <class P, class = void>
struct HasRsv : std::false_type {};
template <class P>
struct HasRsv<P, std::void_t<decltype(std::declval<P>().rsv)>> : std::true_type {};
template <class P>
bool rsvZero(const P& p) {
  if constexpr (HasRsv<P>::value) {
    for (auto b : p.rsv)
      if (b != 0) return false;
  }
  return true;
}

// CreateOperation's body: ATB-1's checks, then the op.
template <class Op, class P>
atb::Status make(const P& p, atb::Operation** op) {
  if (!op) return atb::ERROR_INVALID_PARAM;
  if (!rsvZero(p)) {
    setError("CreateOperation: the param's rsv bytes are not all zero (a build against newer ATB headers than the "
             "library?)");
    return atb::ERROR_INVALID_PARAM;
  }
  *op = new Op(p);
  return atb::NO_ERROR;
}
}  // namespace tsim
#endif
