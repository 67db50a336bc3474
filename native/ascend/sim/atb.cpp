// Simulated ATB: the Context, and the checks every inference operation makes (SimOp). Setup
// validates the VariantPack (ATB-3: tensor counts, the op's atb_ops_info.ini dtype rows; then the
// op's own shape checks) and asks for the workspace the CPU kernel uses as scratch. Execute makes
// ATB's Execute checks against that Setup (ATB-4), needs the thread bound to the stream's device,
// and queues the kernel on the context's stream (ATB-5): it runs at the stream's sync, with the
// host data it was given copied at Execute, and reports data-dependent faults (bad slot, block or
// index) there. The collectives (AllReduce, AllGather) run inside Execute after the queued work,
// as their ranks meet there. The operations live in atb_dense.cpp, atb_attention.cpp and
// atb_collectives.cpp, each with its CreateOperation specialisations.
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include "atb_op.h"

namespace tsim {
namespace {
std::mutex g_ctx_mu;
std::set<const atb::Context*> g_contexts;

uint64_t descBytes(const atb::TensorDesc& d) { return numel(d) * dtypeBytes(d.dtype); }

// A VariantPack as Execute saw it, host data included: ATB reads host data at Setup / Execute,
// so the caller may reuse it once Execute returns.
struct HeldPack {
  atb::VariantPack pack;
  std::vector<std::vector<char>> host;
  explicit HeldPack(const atb::VariantPack& p) : pack(p) {
    hold(pack.inTensors);
    hold(pack.outTensors);
  }
  void hold(atb::SVector<atb::Tensor>& list) {
    for (size_t i = 0; i < list.size(); i++) {
      atb::Tensor& t = list[i];
      if (!t.hostData) continue;
      const char* src = static_cast<const char*>(t.hostData);
      host.emplace_back(src, src + descBytes(t.desc));
      t.hostData = host.back().data();
    }
  }
};
}  // namespace

bool isLiveContext(const atb::Context* ctx) {
  std::lock_guard<std::mutex> l(g_ctx_mu);
  return g_contexts.count(ctx) != 0;
}

atb::Status SimOp::InferShape(const atb::SVector<atb::TensorDesc>& in, atb::SVector<atb::TensorDesc>& out) const {
  if (in.size() != nin_) return atb::ERROR_INVALID_IN_TENSOR_NUM;
  out.resize(nout_);
  for (uint32_t i = 0; i < nout_; i++) out[i] = in[0];
  return atb::NO_ERROR;
}

atb::Status SimOp::Setup(const atb::VariantPack& pack, uint64_t& ws, atb::Context* ctx) {
  setupOk_ = false;
  if (!ctx || !isLiveContext(ctx)) return report(atb::ERROR_INVALID_PARAM, "Setup: not a context made by CreateContext");
  Call c{pack, {}};
  uint64_t need = 0;
  if (atb::Status s = validate(c, need)) return report(s, "Setup: " + c.why);
  ws = need;
  setupOk_ = true;
  setupCtx_ = ctx;
  setupWs_ = need;
  setupBytes_.clear();
  for (size_t i = 0; i < pack.inTensors.size(); i++) setupBytes_.push_back(descBytes(pack.inTensors[i].desc));
  for (size_t i = 0; i < pack.outTensors.size(); i++) setupBytes_.push_back(descBytes(pack.outTensors[i].desc));
  return atb::NO_ERROR;
}

// ATB-4: what ATB's Execute checks against the last Setup, each ERROR_INVALID_PARAM.
atb::Status SimOp::executeCheck(const atb::VariantPack& pack, uint8_t* ws, uint64_t wsSize, atb::Context* ctx) {
  if (!setupOk_) return report(atb::ERROR_INVALID_PARAM, "Execute: the last Setup did not succeed");
  if (ctx != setupCtx_) return report(atb::ERROR_INVALID_PARAM, "Execute: not the context of Setup");
  if (!static_cast<SimContext*>(ctx)->stream) return report(atb::ERROR_INVALID_PARAM, "Execute: the context has no execute stream");
  if (wsSize < setupWs_) {
    return report(atb::ERROR_INVALID_PARAM, "Execute: workspace of " + std::to_string(wsSize) +
                                                " bytes, Setup asked for " + std::to_string(setupWs_));
  }
  if (setupWs_ > 0 && !ws) return report(atb::ERROR_INVALID_PARAM, "Execute: null workspace, Setup asked for bytes");
  if (pack.inTensors.size() + pack.outTensors.size() != setupBytes_.size() || pack.inTensors.size() != nin_) {
    return report(atb::ERROR_INVALID_PARAM, "Execute: tensor counts differ from Setup's");
  }
  for (size_t i = 0; i < setupBytes_.size(); i++) {
    bool in = i < pack.inTensors.size();
    const atb::Tensor& t = in ? pack.inTensors[i] : pack.outTensors[i - pack.inTensors.size()];
    std::string which = std::string(in ? "input " : "output ") + std::to_string(in ? i : i - pack.inTensors.size());
    if (t.dataSize != setupBytes_[i]) {
      return report(atb::ERROR_INVALID_PARAM, "Execute: " + which + " dataSize " + std::to_string(t.dataSize) +
                                                  " differs from its size at Setup, " + std::to_string(setupBytes_[i]));
    }
    if (!t.deviceData && !t.hostData) return report(atb::ERROR_INVALID_PARAM, "Execute: " + which + " has no data");
  }
  return atb::NO_ERROR;
}

atb::Status SimOp::Execute(const atb::VariantPack& pack, uint8_t* ws, uint64_t wsSize, atb::Context* ctx) {
  if (!ctx || !isLiveContext(ctx)) return report(atb::ERROR_INVALID_PARAM, "Execute: not a context made by CreateContext");
  if (atb::Status s = executeCheck(pack, ws, wsSize, ctx)) return s;
  if (aclError e = requireDevice((name_ + " Execute").c_str())) {
    (void)e;
    return report(atb::ERROR_RT_FAIL, "Execute: error 107002, no device context on this thread (aclrtSetDevice)");
  }
  aclrtStream stream = static_cast<SimContext*>(ctx)->stream;
  Stream* st = streamOf(stream);
  if (!st) return report(atb::ERROR_INVALID_STREAM, "Execute: the context's execute stream is not a stream");
  if (st->device != currentDevice()) return report(atb::ERROR_RT_FAIL, "Execute: stream of another device");
  Call c{pack, {}, stream};
  uint64_t need = 0;
  if (atb::Status s = validate(c, need)) return report(s, "Execute: " + c.why);
  if (need > 0 && !isDeviceRange(ws, need)) {
    return report(atb::ERROR_INVALID_WORKSPACE_ADDR, "Execute: workspace is not device memory of the asked size");
  }
  if (runsInExecute()) {
    drain(st);
    run(c, ws, st);
    if (c.status != atb::NO_ERROR) return report(c.status, "Execute: " + c.why);
    return atb::NO_ERROR;
  }
  Task t;
  t.what = name_;
  for (size_t i = 0; i < pack.inTensors.size(); i++) {
    t.reads.push_back(byteRange(pack.inTensors[i].deviceData, descBytes(pack.inTensors[i].desc)));
  }
  for (size_t i = 0; i < pack.outTensors.size(); i++) {
    t.writes.push_back(byteRange(pack.outTensors[i].deviceData, descBytes(pack.outTensors[i].desc)));
  }
  if (need > 0) t.writes.push_back(byteRange(ws, need));
  std::shared_ptr<HeldPack> held = std::make_shared<HeldPack>(pack);
  queued_++;
  t.run = [this, held, ws, stream](Stream* s) {
    // the shapes of this Execute, whatever the op was set up for since
    Call q{held->pack, {}, stream};
    uint64_t n = 0;
    if (check(q, n) == atb::NO_ERROR) run(q, ws, s);
    if (--queued_ == 0 && destroyed_) delete this;
  };
  enqueue(st, std::move(t));
  return atb::NO_ERROR;
}

void SimOp::destroy() {
  destroyed_ = true;
  if (queued_ == 0) delete this;
}

atb::Status SimOp::validate(Call& c, uint64_t& ws) {
  if (c.pack.inTensors.size() != nin_) {
    return c.fail(atb::ERROR_INVALID_IN_TENSOR_NUM, "expects " + std::to_string(nin_) + " inputs, got " +
                                                         std::to_string(c.pack.inTensors.size()));
  }
  if (c.pack.outTensors.size() != nout_) {
    return c.fail(atb::ERROR_INVALID_IN_TENSOR_NUM, "expects " + std::to_string(nout_) + " outputs, got " +
                                                         std::to_string(c.pack.outTensors.size()));
  }
  for (int io = 0; io < 2; io++) {
    const auto& list = io == 0 ? c.pack.inTensors : c.pack.outTensors;
    for (size_t i = 0; i < list.size(); i++) {
      const atb::Tensor& t = list[i];
      uint64_t bytes = descBytes(t.desc);
      std::string which = std::string(io == 0 ? "input " : "output ") + std::to_string(i);
      if (t.desc.shape.dimNum == 0 || t.desc.shape.dimNum > atb::MAX_DIM || dtypeBytes(t.desc.dtype) == 0) {
        return c.fail(atb::ERROR_INVALID_TENSOR_DIM, which + ": bad shape or dtype");
      }
      if (t.desc.format != ACL_FORMAT_ND) return c.fail(atb::ERROR_INVALID_TENSOR_FORMAT, which + ": simulator: ND only");
      if (t.dataSize < bytes) return c.fail(atb::ERROR_INVALID_TENSOR_SIZE, which + ": dataSize below its shape");
      if (bytes > 0 && !isDeviceRange(t.deviceData, bytes)) {
        return c.fail(atb::ERROR_INVALID_TENSOR_ADDR, which + ": deviceData is not device memory of its size");
      }
    }
  }
  if (ini_) {
    std::string why;
    if (!iniMatches(ini_, c.pack, &why)) return c.fail(atb::ERROR_INVALID_TENSOR_INI_MATCH, why);
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
  SimContext* c = new SimContext();
  std::lock_guard<std::mutex> l(g_ctx_mu);
  g_contexts.insert(c);
  *context = c;
  return NO_ERROR;
}
Status DestroyContext(Context* context) {
  {
    std::lock_guard<std::mutex> l(g_ctx_mu);
    if (!g_contexts.erase(context)) return ERROR_INVALID_PARAM;
  }
  delete context;
  return NO_ERROR;
}
Status DestroyOperation(Operation* operation) {
  if (SimOp* op = dynamic_cast<SimOp*>(operation)) {
    op->destroy();
  } else {
    delete operation;
  }
  return NO_ERROR;
}
}  // namespace atb
