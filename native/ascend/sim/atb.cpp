// Simulated ATB: the Context, and the checks every inference operation makes (SimOp). Setup
// validates the VariantPack and asks for the workspace the CPU kernel uses as scratch; Execute
// re-validates, refuses a smaller or non-device workspace, needs the thread bound to the stream's
// device, and reports data-dependent faults (bad slot, block or index) at the next sync. The
// collectives (AllReduce, AllGather) instead fail from Execute itself, as the HCCL simulator's
// calls do (hccl.cpp). The operations live in atb_dense.cpp, atb_attention.cpp and
// atb_collectives.cpp, each with its CreateOperation specialisations.
#include <string>
#include "atb_op.h"

namespace tsim {
atb::Status SimOp::InferShape(const atb::SVector<atb::TensorDesc>& in, atb::SVector<atb::TensorDesc>& out) const {
  if (in.size() != nin_) return atb::ERROR_INVALID_IN_TENSOR_NUM;
  out.resize(nout_);
  for (uint32_t i = 0; i < nout_; i++) out[i] = in[0];
  return atb::NO_ERROR;
}

atb::Status SimOp::Setup(const atb::VariantPack& pack, uint64_t& ws, atb::Context* ctx) {
  if (!ctx) return report(atb::ERROR_INVALID_CONTEXT_ADDR, "Setup: null context");
  Call c{pack, {}};
  uint64_t need = 0;
  if (atb::Status s = validate(c, need)) return report(s, "Setup: " + c.why);
  ws = need;
  return atb::NO_ERROR;
}

atb::Status SimOp::Execute(const atb::VariantPack& pack, uint8_t* ws, uint64_t wsSize, atb::Context* ctx) {
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

atb::Status SimOp::validate(Call& c, uint64_t& ws) {
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

atb::Status SimOp::report(atb::Status s, const std::string& why) {
  setError(name_ + " " + why);
  return s;
}
}  // namespace tsim

using namespace tsim;

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
}  // namespace atb
