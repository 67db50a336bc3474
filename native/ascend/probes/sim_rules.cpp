// The rule probes (tramontane_sim_rules.h): direct ACL / ATB / aclnn calls on the facade's device,
// each keeping every rule but the one it is about, built on the facade's own machinery.
#include <cmath>
#include <memory>
#include <string>
#include <vector>
#include "aclnnop/aclnn_dynamic_quant.h"
#include "aclnnop/aclnn_grouped_matmul_v4.h"
#include "aclnnop/aclnn_quant_matmul_v4.h"
#include "internal.h"
#include "tramontane_sim_rules.h"

using namespace tna;

namespace {
// The status `rc` of `api`, with the runtime's message as tna_last_error().
int answer(int rc, const char* api) {
  setError(std::string(api) + " returned " + std::to_string(rc) + recent());
  return rc;
}

// Runs body (which sets rc) under guarded(): the probe's own failures come back as their status.
template <class F>
int probe(tna_device* d, F&& body) {
  int rc = 0;
  int g = guarded(d, [&] { rc = body(); });
  return g != TNA_OK ? g : rc;
}

// A small Linear's tensors: x [2, 4], w [4, 4], out [2, 4], fp16.
struct SmallLinear {
  atb::Tensor x, w, out;
  explicit SmallLinear(tna_device* d)
      : x(tensor(tmp(d, 16), ACL_FLOAT16, {2, 4})), w(tensor(tmp(d, 32), ACL_FLOAT16, {4, 4})),
        out(tensor(tmp(d, 16), ACL_FLOAT16, {2, 4})) {}
};

atb::Operation* linearOp(tna_device* d) {
  std::unique_ptr<atb::infer::LinearParam> p(new atb::infer::LinearParam());
  p->hasBias = false;
  atb::Operation* op = nullptr;
  atbCheck(atb::CreateOperation(*p, &op), "Linear", "CreateOperation");
  d->pendingOps.push_back(op);
  return op;
}

// A context CreateContext did not make.
struct ForeignContext : atb::Context {
  aclrtStream stream = nullptr;
  atb::Status SetExecuteStream(aclrtStream s) override {
    stream = s;
    return atb::NO_ERROR;
  }
  aclrtStream GetExecuteStream() const override { return stream; }
  atb::Status SetAsyncTilingCopyStatus(bool) override { return atb::NO_ERROR; }
  bool GetAsyncTilingCopyStatus() const override { return false; }
};

// A device copy in dtype dt of f32 host values.
void* deviceValues(tna_device* d, const std::vector<float>& host, aclDataType dt) {
  void* f32 = upload(d, host.data(), host.size() * 4);
  return dt == ACL_FLOAT ? f32 : toCompute(d, f32, int64_t(host.size()), dt);
}
}  // namespace

extern "C" {

int tnr_acl_init(void) { return answer(aclInit(nullptr), "aclInit"); }
int tnr_acl_finalize(void) { return answer(aclFinalize(), "aclFinalize"); }

int tnr_memcpy2d(tna_device* d, int kind) {
  return probe(d, [&] {
    char host[64] = {0};
    void* a = tmp(d, 64);
    void* b = tmp(d, 64);
    void* dst = kind == ACL_MEMCPY_DEVICE_TO_HOST ? static_cast<void*>(host) : a;
    const void* src = kind == ACL_MEMCPY_HOST_TO_DEVICE ? static_cast<const void*>(host) : b;
    int rc = aclrtMemcpy2d(dst, 16, src, 16, 16, 4, aclrtMemcpyKind(kind));
    return answer(rc, "aclrtMemcpy2d");
  });
}

int tnr_touch_queued_output(tna_device* d, int call) {
  return probe(d, [&] {
    std::vector<float> host(8, 1.f);
    void* src = upload(d, host.data(), 32);
    void* dst = nullptr;
    acl(aclrtMalloc(&dst, 16, ACL_MEM_MALLOC_HUGE_FIRST), "aclrtMalloc");
    cast(d, src, ACL_FLOAT, dst, ACL_FLOAT16, 8);
    char back[16];
    int rc = 0;
    const char* api = "";
    switch (call) {
      case 0: rc = aclrtMemcpy(back, 16, dst, 16, ACL_MEMCPY_DEVICE_TO_HOST), api = "aclrtMemcpy"; break;
      case 1: rc = aclrtMemcpy2d(back, 16, dst, 16, 16, 1, ACL_MEMCPY_DEVICE_TO_HOST), api = "aclrtMemcpy2d"; break;
      case 2: rc = aclrtMemset(dst, 16, 0, 16), api = "aclrtMemset"; break;
      case 3: rc = aclrtFree(dst), api = "aclrtFree"; break;
      default: rc = aclrtDestroyStream(d->stream), api = "aclrtDestroyStream"; break;
    }
    answer(rc, api);
    std::string why = lastError();
    if (call == 4 && rc == ACL_SUCCESS) {  // a runtime that let it go: give the device a stream again
      acl(aclrtCreateStream(&d->stream), "aclrtCreateStream");
      atbCheck(d->ctx->SetExecuteStream(d->stream), "Context", "SetExecuteStream");
    }
    finish(d);
    if (!(call == 3 && rc == ACL_SUCCESS)) acl(aclrtFree(dst), "aclrtFree");
    setError(why);
    return rc;
  });
}

int tnr_async_column_copy(tna_device* d, const float* host, int rows, float* out) {
  return probe(d, [&] {
    void* src = upload(d, host, size_t(rows) * 16);
    void* a = tmp(d, size_t(rows) * 8);
    void* b = tmp(d, size_t(rows) * 4);
    void* b32 = tmp(d, size_t(rows) * 8);
    cast(d, src, ACL_FLOAT, a, ACL_FLOAT16, int64_t(rows) * 4);
    acl(aclrtMemcpy2dAsync(b, 4, static_cast<char*>(a) + 2, 8, 4, size_t(rows), ACL_MEMCPY_DEVICE_TO_DEVICE, d->stream),
        "aclrtMemcpy2dAsync");
    cast(d, b, ACL_FLOAT16, b32, ACL_FLOAT, int64_t(rows) * 2);
    acl(aclrtSynchronizeStream(d->stream), "aclrtSynchronizeStream");
    acl(aclrtMemcpy(out, size_t(rows) * 8, b32, size_t(rows) * 8, ACL_MEMCPY_DEVICE_TO_HOST), "aclrtMemcpy(D2H)");
    finish(d);
    return 0;
  });
}

int tnr_atb_cast(tna_device* d, int from, int to) {
  return probe(d, [&] {
    aclDataType f = aclDataType(from), t = aclDataType(to);
    std::unique_ptr<atb::infer::ElewiseParam> p(new atb::infer::ElewiseParam());
    p->elewiseType = atb::infer::ElewiseParam::ELEWISE_CAST;
    p->outTensorType = t;
    runAtb(d, "Elewise(CAST)", *p, pack(CastSlots{tensor(tmp(d, 8 * esize(f)), f, {8}), tensor(tmp(d, 8 * esize(t)), t, {8})}));
    finish(d);
    return 0;
  });
}

int tnr_linear_rsv(tna_device* d) {
  return probe(d, [&] {
    std::unique_ptr<atb::infer::LinearParam> p(new atb::infer::LinearParam());
    p->hasBias = false;
    p->rsv[0] = 1;
    atb::Operation* op = nullptr;
    int rc = atb::CreateOperation(*p, &op);
    if (op) d->pendingOps.push_back(op);
    return answer(rc, "CreateOperation(LinearParam)");
  });
}

int tnr_linear_misuse(tna_device* d, int misuse) {
  return probe(d, [&] {
    SmallLinear t(d);
    atb::Operation* op = linearOp(d);
    atb::VariantPack vp = pack(LinearSlots{t.x, t.w, t.out});
    uint64_t ws = 0;
    int rc = 0;
    if (misuse == 0) {
      vp.outTensors.push_back(t.out);
      rc = op->Setup(vp, ws, d->ctx);
    } else if (misuse == 1) {
      rc = op->Execute(vp, nullptr, 0, d->ctx);
    } else if (misuse == 4) {
      ForeignContext foreign;
      foreign.SetExecuteStream(d->stream);
      rc = op->Setup(vp, ws, &foreign);
    } else {
      atbCheck(op->Setup(vp, ws, d->ctx), "Linear", "Setup");
      void* w = ws > 0 ? tmp(d, ws) : nullptr;
      if (misuse == 2) {
        vp.inTensors[0].dataSize += 2;
        rc = op->Execute(vp, static_cast<uint8_t*>(w), ws, d->ctx);
      } else {
        atb::Context* other = nullptr;
        atbCheck(atb::CreateContext(&other), "Context", "CreateContext");
        other->SetExecuteStream(d->stream);
        rc = op->Execute(vp, static_cast<uint8_t*>(w), ws, other);
        std::string why = recent();
        finish(d);
        atb::DestroyContext(other);
        setError("Execute returned " + std::to_string(rc) + why);
        return rc;
      }
    }
    answer(rc, misuse == 0 || misuse == 4 ? "Setup" : "Execute");
    std::string why = lastError();
    finish(d);
    setError(why);
    return rc;
  });
}

int tnr_create(tna_device* d, int which) {
  return probe(d, [&] {
    atb::Operation* op = nullptr;
    int rc = 0;
    if (which == 0) {
      std::unique_ptr<atb::infer::ElewiseParam> p(new atb::infer::ElewiseParam());
      p->elewiseType = atb::infer::ElewiseParam::ElewiseType(21);
      rc = atb::CreateOperation(*p, &op);
    } else if (which == 1) {
      std::unique_ptr<atb::infer::ActivationParam> p(new atb::infer::ActivationParam());
      p->activationType = atb::infer::ACTIVATION_SWIGLU_FORWARD;
      p->dim = 0;
      rc = atb::CreateOperation(*p, &op);
    } else {
      std::unique_ptr<atb::infer::SelfAttentionParam> p(new atb::infer::SelfAttentionParam());
      p->calcType = atb::infer::SelfAttentionParam::PA_ENCODER;
      p->headNum = which == 2 ? 2 : 3;
      p->kvHeadNum = 2;
      p->maskType = which == 2 ? atb::infer::SelfAttentionParam::MASK_TYPE_UNDEFINED
                               : atb::infer::SelfAttentionParam::MASK_TYPE_NORM;
      p->isTriuMask = 1;
      rc = atb::CreateOperation(*p, &op);
    }
    if (op) d->pendingOps.push_back(op);
    return answer(rc, "CreateOperation");
  });
}

int tnr_swiglu(tna_device* d, int width) {
  return probe(d, [&] {
    std::unique_ptr<atb::infer::ActivationParam> p(new atb::infer::ActivationParam());
    p->activationType = atb::infer::ACTIVATION_SWIGLU_FORWARD;
    runAtb(d, "Activation(SWIGLU_FORWARD)", *p,
           pack(UnarySlots{tensor(tmp(d, size_t(width) * 4), ACL_FLOAT16, {2, width}),
                           tensor(tmp(d, size_t(width) * 2), ACL_FLOAT16, {2, width / 2})}));
    finish(d);
    return 0;
  });
}

int tnr_prefill_mask(tna_device* d, int cdi, float masked, float* out) {
  return probe(d, [&] {
    aclDataType cd = aclDataType(cdi);
    std::vector<float> m(128 * 128);
    for (int i = 0; i < 128; i++)
      for (int j = 0; j < 128; j++) m[i * 128 + j] = j > i ? masked : 0.f;
    void* mask = deviceValues(d, m, cd);
    void* q = deviceValues(d, std::vector<float>(8, 0.f), cd);
    void* k = deviceValues(d, std::vector<float>(8, 0.5f), cd);
    void* v = deviceValues(d, {1, 1, 1, 1, 3, 3, 3, 3}, cd);
    void* o = tmp(d, 8 * esize(cd));
    void* o32 = tmp(d, 32);
    int32_t seqLen = 2;
    void* seqDev = upload(d, &seqLen, 4);
    std::unique_ptr<atb::infer::SelfAttentionParam> p(new atb::infer::SelfAttentionParam());
    p->headNum = 1;
    p->kvHeadNum = 1;
    p->calcType = atb::infer::SelfAttentionParam::PA_ENCODER;
    p->maskType = atb::infer::SelfAttentionParam::MASK_TYPE_NORM;
    p->isTriuMask = 1;
    runAtb(d, "SelfAttention(PA_ENCODER)", *p,
           pack(SelfAttentionSlots{tensor(q, cd, {2, 1, 4}), tensor(k, cd, {2, 1, 4}), tensor(v, cd, {2, 1, 4}),
                                   tensor(mask, cd, {128, 128}), tensor(seqDev, ACL_INT32, {1}, &seqLen),
                                   tensor(o, cd, {2, 1, 4})}));
    cast(d, o, cd, o32, ACL_FLOAT, 8);
    acl(aclrtSynchronizeStream(d->stream), "aclrtSynchronizeStream");
    acl(aclrtMemcpy(out, 32, o32, 32, ACL_MEMCPY_DEVICE_TO_HOST), "aclrtMemcpy(D2H)");
    finish(d);
    return 0;
  });
}

int tnr_prefix_encoder(tna_device* d, int misuse, float* out) {
  return probe(d, [&] {
    aclDataType cd = ACL_FLOAT16;
    const int hd = 16, prefix = misuse == 8 ? 127 : 128;
    const int bs = misuse == 7 ? 64 : 128, nb = 256 / bs;
    int maskDim = misuse == 4 ? 64 : 128;
    std::vector<float> m(size_t(maskDim) * maskDim);
    for (int i = 0; i < maskDim; i++)
      for (int j = 0; j < maskDim; j++) m[size_t(i) * maskDim + j] = j > i ? -INFINITY : 0.f;
    void* mask = deviceValues(d, m, cd);
    // the sequence's blocks in reverse order (the table is {nb - 1, ..., 0}): position p sits in block
    // nb - 1 - p / bs; keys all 0.5, values 1 on the prefix, 3 and 5 on the chunk
    std::vector<float> kc(size_t(nb) * bs * hd, 0.f), vc(size_t(nb) * bs * hd, 0.f);
    for (int p = 0; p < prefix + 2; p++) {
      size_t row = size_t(nb - 1 - p / bs) * bs + p % bs;
      for (int i = 0; i < hd; i++) {
        kc[row * hd + i] = 0.5f;
        vc[row * hd + i] = p < prefix ? 1.f : float(2 * (p - prefix) + 3);
      }
    }
    void* k = deviceValues(d, kc, cd);
    void* v = deviceValues(d, vc, cd);
    void* q = deviceValues(d, std::vector<float>(2 * hd, 1.f), cd);
    std::vector<int32_t> table(static_cast<size_t>(nb));
    for (int b = 0; b < nb; b++) table[size_t(b)] = nb - 1 - b;
    void* tableDev = upload(d, table.data(), table.size() * 4);
    int32_t qLen = 2, kvLen = misuse == 3 ? 1 : prefix + 2;
    void* qDev = upload(d, &qLen, 4);
    void* kvDev = upload(d, &kvLen, 4);
    void* o = tmp(d, 2 * hd * esize(cd));
    void* o32 = tmp(d, 2 * hd * 4);
    std::unique_ptr<atb::infer::SelfAttentionParam> p(new atb::infer::SelfAttentionParam());
    p->headNum = 1;
    p->kvHeadNum = 1;
    p->calcType = atb::infer::SelfAttentionParam::PREFIX_ENCODER;
    p->maskType = misuse == 5 ? atb::infer::SelfAttentionParam::MASK_TYPE_NORM
                              : atb::infer::SelfAttentionParam::MASK_TYPE_NORM_COMPRESS;
    p->isTriuMask = 1;
    PrefixEncoderSlots slots{tensor(q, cd, {2, 1, hd}), tensor(k, cd, {nb, bs, 1, hd}), tensor(v, cd, {nb, bs, 1, hd}),
                             tensor(tableDev, ACL_INT32, {1, nb}), tensor(mask, cd, {maskDim, maskDim}),
                             tensor(qDev, ACL_INT32, {1}, misuse == 1 ? nullptr : &qLen),
                             tensor(kvDev, ACL_INT32, {1}, misuse == 2 ? nullptr : &kvLen), tensor(o, cd, {2, 1, hd})};
    atb::VariantPack pk = pack(slots);
    if (misuse == 6) pk.inTensors = {slots.query, slots.keyCache, slots.valueCache, slots.blockTables, slots.mask,
                                     slots.seqLen};
    runAtb(d, "SelfAttention(PREFIX_ENCODER)", *p, pk);
    cast(d, o, cd, o32, ACL_FLOAT, 2 * hd);
    acl(aclrtSynchronizeStream(d->stream), "aclrtSynchronizeStream");
    acl(aclrtMemcpy(out, 2 * hd * 4, o32, 2 * hd * 4, ACL_MEMCPY_DEVICE_TO_HOST), "aclrtMemcpy(D2H)");
    finish(d);
    return 0;
  });
}

int tnr_paged_mask(tna_device* d, int cdi, float masked, int maskCols, float* out) {
  return probe(d, [&] {
    aclDataType cd = aclDataType(cdi);
    std::vector<float> kc(4 * 4, 0.f), vc(4 * 4, 0.f), m(size_t(maskCols), 0.f);
    for (int p = 0; p < 3; p++)
      for (int i = 0; i < 4; i++) {
        kc[p * 4 + i] = 0.5f;
        vc[p * 4 + i] = float(2 * p + 1);
      }
    m[0] = masked;
    void* k = deviceValues(d, kc, cd);
    void* v = deviceValues(d, vc, cd);
    void* q = deviceValues(d, std::vector<float>(4, 1.f), cd);
    void* mask = deviceValues(d, m, cd);
    int32_t table = 0, ctx = 3;
    void* tableDev = upload(d, &table, 4);
    void* ctxDev = upload(d, &ctx, 4);
    void* o = tmp(d, 4 * esize(cd));
    void* o32 = tmp(d, 16);
    std::unique_ptr<atb::infer::PagedAttentionParam> p(new atb::infer::PagedAttentionParam());
    p->headNum = 1;
    p->kvHeadNum = 1;
    p->maskType = atb::infer::PagedAttentionParam::MASK_TYPE_NORM;
    runAtb(d, "PagedAttention(mask)", *p,
           pack(PagedAttentionMaskSlots{tensor(q, cd, {1, 1, 4}), tensor(k, cd, {1, 4, 1, 4}), tensor(v, cd, {1, 4, 1, 4}),
                                        tensor(tableDev, ACL_INT32, {1, 1}), tensor(ctxDev, ACL_INT32, {1}, &ctx),
                                        tensor(mask, cd, {1, 1, 1, maskCols}), tensor(o, cd, {1, 1, 4})}));
    cast(d, o, cd, o32, ACL_FLOAT, 4);
    acl(aclrtSynchronizeStream(d->stream), "aclrtSynchronizeStream");
    acl(aclrtMemcpy(out, 16, o32, 16, ACL_MEMCPY_DEVICE_TO_HOST), "aclrtMemcpy(D2H)");
    finish(d);
    return 0;
  });
}

int tnr_gmm_w8a8(tna_device* d, int scaleDtype, int outDtype) {
  return probe(d, [&] {
    aclDataType sd = aclDataType(scaleDtype), od = aclDataType(outDtype);
    int64_t groups = 2;
    void* groupList = upload(d, &groups, 8);
    runAclnn(d, "aclnnGroupedMatmulV4", nullptr, 0,
             {nnList(tmp(d, 64), ACL_INT8, {2, 32}), nnList(tmp(d, 1024), ACL_INT8, {1, 32, 32}, {1024, 1, 32}), nnNone(),
              nnList(tmp(d, 32 * esize(sd)), sd, {1, 32}), nnNone(), nnNone(), nnNone(),
              nnList(tmp(d, 8), ACL_FLOAT, {2}), nnT(groupList, ACL_INT64, {1}), nnNone(), nnNone(), nnNone()},
             {nnList(tmp(d, 64 * esize(od)), od, {2, 32}), nnNone(), nnNone()},
             [](const NnTensors& t, const void*, uint64_t* ws, aclOpExecutor** e) {
               return aclnnGroupedMatmulV4GetWorkspaceSize(t.inList(0), t.inList(1), nullptr, t.inList(3), nullptr,
                                                           nullptr, nullptr, t.inList(7), t.in(8), nullptr, nullptr,
                                                           nullptr, 2, 0, 0, 0, t.outList(0), nullptr, nullptr, ws, e);
             },
             aclnnGroupedMatmulV4);
    finish(d);
    return 0;
  });
}

int tnr_qmm(tna_device* d, int scaleDtype, int outDtype) {
  return probe(d, [&] {
    aclDataType sd = aclDataType(scaleDtype), od = aclDataType(outDtype);
    runAclnn(d, "aclnnQuantMatmulV4", nullptr, 0,
             {nnT(tmp(d, 64), ACL_INT8, {2, 32}), nnT(tmp(d, 1024), ACL_INT8, {32, 32}), nnT(tmp(d, 32 * esize(sd)), sd, {32}),
              nnNone(), nnT(tmp(d, 8), ACL_FLOAT, {2}), nnNone()},
             {nnT(tmp(d, 64 * esize(od)), od, {2, 32})},
             [](const NnTensors& t, const void*, uint64_t* ws, aclOpExecutor** e) {
               return aclnnQuantMatmulV4GetWorkspaceSize(t.in(0), t.in(1), t.in(2), nullptr, t.in(4), nullptr, false, true,
                                                         t.out(0), ws, e);
             },
             aclnnQuantMatmulV4);
    finish(d);
    return 0;
  });
}
int tnr_executor_reuse(tna_device* d, int scenario) {
  return probe(d, [&] {
    void* x = tmp(d, 128);
    void* x2 = tmp(d, 128);
    void* y = tmp(d, 64);
    void* sc = tmp(d, 64);
    acl(aclrtMemset(x, 128, 0, 128), "aclrtMemset");
    acl(aclrtMemset(x2, 128, 0, 128), "aclrtMemset");
    int64_t xd[2] = {2, 32}, sd[1] = {2};
    aclTensor* xT = aclCreateTensor(xd, 2, ACL_FLOAT16, nullptr, 0, ACL_FORMAT_ND, xd, 2, x);
    aclTensor* yT = aclCreateTensor(xd, 2, ACL_INT8, nullptr, 0, ACL_FORMAT_ND, xd, 2, y);
    aclTensor* sT = aclCreateTensor(sd, 1, ACL_FLOAT, nullptr, 0, ACL_FORMAT_ND, sd, 1, sc);
    uint64_t ws = 0;
    aclOpExecutor* e = nullptr;
    int rc = aclnnDynamicQuantGetWorkspaceSize(xT, nullptr, yT, sT, &ws, &e);
    void* w = ws > 0 ? tmp(d, ws) : nullptr;
    auto run = [&]() -> int {
      switch (scenario) {
        case 0:
          if (int r = aclSetAclOpExecutorRepeatable(e)) return answer(r, "aclSetAclOpExecutorRepeatable");
          if (int r = aclnnDynamicQuant(w, ws, e, d->stream)) return answer(r, "aclnnDynamicQuant");
          finish(d);
          if (int r = aclSetInputTensorAddr(e, 0, xT, x2)) return answer(r, "aclSetInputTensorAddr");
          if (int r = aclnnDynamicQuant(w, ws, e, d->stream)) return answer(r, "aclnnDynamicQuant");
          finish(d);
          return answer(aclDestroyAclOpExecutor(e), "aclDestroyAclOpExecutor");
        case 1:
          if (int r = aclnnDynamicQuant(w, ws, e, d->stream)) return answer(r, "aclnnDynamicQuant");
          return answer(aclSetAclOpExecutorRepeatable(e), "aclSetAclOpExecutorRepeatable");
        case 2:
          if (int r = aclnnDynamicQuant(w, ws, e, d->stream)) return answer(r, "aclnnDynamicQuant");
          return answer(aclnnDynamicQuant(w, ws, e, d->stream), "aclnnDynamicQuant");
        case 3:
          if (int r = aclSetAclOpExecutorRepeatable(e)) return answer(r, "aclSetAclOpExecutorRepeatable");
          if (int r = aclnnDynamicQuant(w, ws, e, d->stream)) return answer(r, "aclnnDynamicQuant");
          return answer(aclSetInputTensorAddr(e, 0, xT, x2), "aclSetInputTensorAddr");
        case 4:
          if (int r = aclSetAclOpExecutorRepeatable(e)) return answer(r, "aclSetAclOpExecutorRepeatable");
          return answer(aclSetInputTensorAddr(e, 2, xT, x2), "aclSetInputTensorAddr");
        case 5:
          return answer(aclSetInputTensorAddr(e, 0, xT, x2), "aclSetInputTensorAddr");
        case 6:
          if (int r = aclSetAclOpExecutorRepeatable(e)) return answer(r, "aclSetAclOpExecutorRepeatable");
          return answer(aclSetInputTensorAddr(e, 0, xT, static_cast<char*>(x2) + 2), "aclSetInputTensorAddr");
        case 7:
          return answer(aclDestroyAclOpExecutor(e), "aclDestroyAclOpExecutor");
        case 8:
          return answer(aclSetAclOpExecutorRepeatable(nullptr), "aclSetAclOpExecutorRepeatable");
        default:
          return answer(TNA_E_ARG, "tnr_executor_reuse: no such scenario");
      }
    };
    int r = rc != 0 ? answer(rc, "aclnnDynamicQuantGetWorkspaceSize") : run();
    finish(d);
    aclDestroyTensor(xT);
    aclDestroyTensor(yT);
    aclDestroyTensor(sT);
    return r;
  });
}
}  // extern "C"
