// The misuse probes (tramontane_ascend_probes.h), built on the facade's own machinery so that each
// differs from a legal call in exactly the one rule it breaks.
#include <memory>
#include <string>
#include "internal.h"
#include "tramontane_ascend_probes.h"

using namespace tna;

namespace {
// runAtb, except that Execute is told the workspace is `withhold` bytes smaller than Setup asked for.
template <class P>
void runShort(tna_device* d, const char* name, const P& param, const atb::VariantPack& vp, uint64_t withhold) {
  atb::Operation* op = nullptr;
  atbCheck(atb::CreateOperation(param, &op), name, "CreateOperation");
  d->pendingOps.push_back(op);
  uint64_t ws = 0;
  atbCheck(op->Setup(vp, ws, d->ctx), name, "Setup");
  void* w = ws > 0 ? tmp(d, ws) : nullptr;
  atbCheck(op->Execute(vp, static_cast<uint8_t*>(w), ws > withhold ? ws - withhold : 0, d->ctx), name, "Execute");
}
}  // namespace

extern "C" {

int tnp_short_workspace(tna_device* d) {
  return guarded(d, [&] {
    aclDataType cd = ACL_FLOAT16;
    void* x = tmp(d, 64);
    void* w = tmp(d, 64);
    void* o = tmp(d, 64);
    std::unique_ptr<atb::infer::LinearParam> p(new atb::infer::LinearParam());
    p->hasBias = false;
    runShort(d, "Linear", *p, pack(LinearSlots{tensor(x, cd, {2, 4}), tensor(w, cd, {4, 4}), tensor(o, cd, {2, 4})}),
             1);
    finish(d);
  });
}

int tnp_context_lens_without_host_data(tna_device* d) {
  return guarded(d, [&] {
    aclDataType cd = ACL_FLOAT16;
    void* q = tmp(d, 64);
    void* kc = tmp(d, 256);
    void* vc = tmp(d, 256);
    int32_t zero = 0, one = 1;
    void* bt = upload(d, &zero, 4);
    void* cl = upload(d, &one, 4);
    void* o = tmp(d, 64);
    std::unique_ptr<atb::infer::PagedAttentionParam> p(new atb::infer::PagedAttentionParam());
    p->headNum = 2;
    p->kvHeadNum = 1;
    runAtb(d, "PagedAttention", *p,
           pack(PagedAttentionSlots{tensor(q, cd, {1, 2, 4}), tensor(kc, cd, {2, 4, 1, 4}), tensor(vc, cd, {2, 4, 1, 4}),
                                    tensor(bt, ACL_INT32, {1, 1}), tensor(cl, ACL_INT32, {1}), tensor(o, cd, {1, 2, 4})}));
    finish(d);
  });
}

int tnp_all_reduce(tna_device* d, const char* backend, int rank, int rank_size, tna_hccl* hccl_comm,
                   const char* comm_domain, const char* all_reduce_type, int dtype, void* data, size_t bytes,
                   size_t withhold) {
  return guarded(d, [&] {
    std::unique_ptr<atb::infer::AllReduceParam> p =
        groupParam<atb::infer::AllReduceParam>(Group{backend, rank, rank_size, hccl_comm, comm_domain});
    p->allReduceType = all_reduce_type ? all_reduce_type : "";
    aclDataType dt = aclDataType(dtype);
    int64_t n = int64_t(bytes / (esize(dt) ? esize(dt) : 1));
    void* sum = tmp(d, bytes);
    std::string name = "AllReduce(" + p->backend + ")";
    runShort(d, name.c_str(), *p, pack(UnarySlots{tensor(data, dt, {n}), tensor(sum, dt, {n})}), withhold);
    finish(d);
  });
}
}  // extern "C"
