// The router (tn_moe_gate) and the expert MoE's entry point: argument checks, routing, and the
// dtype table's kind choosing the float or the int8 path (moe.h).
#include <math.h>
#include <string.h>

#include "linear.h"
#include "moe.h"
#include "profile.h"
#include "tramontane_cpu.h"

using namespace tn;

namespace {

constexpr int kMaxExperts = 256;

// Softmax over one token's router logits, then the top_k by descending probability (ties keep the
// lower expert index, torch.topk's order), renormalised to sum to one.
void route_token(const float* lg, int num_experts, int top_k, int32_t* ids, float* weights) {
  float mx = lg[0];
  for (int e = 1; e < num_experts; e++) mx = lg[e] > mx ? lg[e] : mx;
  float prob[kMaxExperts], sum = 0.f;
  for (int e = 0; e < num_experts; e++) sum += (prob[e] = expf(lg[e] - mx));
  for (int e = 0; e < num_experts; e++) prob[e] /= sum;
  bool taken[kMaxExperts] = {false};
  float picked_sum = 0.f;
  for (int j = 0; j < top_k; j++) {
    int best = -1;
    for (int e = 0; e < num_experts; e++)
      if (!taken[e] && (best < 0 || prob[e] > prob[best])) best = e;
    taken[best] = true;
    ids[j] = best;
    weights[j] = prob[best];
    picked_sum += prob[best];
  }
  for (int j = 0; j < top_k; j++) weights[j] /= picked_sum;
}

// The assignments (t, j) sorted by expert, tokens ascending within an expert (a counting sort),
// and cut into segments of at most TN_MOE_MAX_ROWS rows in expert order.  Grow-only per-thread
// scratch; false when it cannot grow.
bool route(const int32_t* expert_ids, int T, int K, int E, MoeCall& c) {
  static thread_local AlignedBuf order_buf, start_buf, seg_buf;
  const int cap = TN_MOE_MAX_ROWS;
  int* order = scratch<int>(order_buf, (size_t)T * K);
  int* start = scratch<int>(start_buf, 2 * (size_t)E + 1);
  MoeSegment* segs = scratch<MoeSegment>(seg_buf, (size_t)(E + T * K / cap + 1));
  if (!order || !start || !segs) return false;
  int* fill = start + E + 1;
  for (int e = 0; e <= E; e++) start[e] = 0;
  for (int i = 0; i < T * K; i++) start[expert_ids[i] + 1]++;
  for (int e = 0; e < E; e++) start[e + 1] += start[e];
  for (int e = 0; e < E; e++) fill[e] = start[e];
  for (int i = 0; i < T * K; i++) order[fill[expert_ids[i]]++] = i;
  int n = 0;
  for (int e = 0; e < E; e++)
    for (int a = start[e]; a < start[e + 1]; a += cap) segs[n++] = {e, a, start[e + 1] - a < cap ? start[e + 1] : a + cap, 0};
  c.order = order;
  c.segs = segs;
  c.num_segs = n;
  return true;
}

bool valid_params(const tn_moe_params* p) {
  return p && valid_dtype(p->w_dtype & ~TN_W_PANELS) && p->num_tokens >= 0 && p->top_k > 0 && p->hidden > 0 &&
         p->inter > 0 && p->num_experts > 0;
}

}  // namespace

extern "C" {

int tn_moe_gate(const float* x, const float* gate_w, int num_tokens, int hidden, int num_experts,
                int top_k, int32_t* expert_ids, float* routing_weights, float* router_logits) {
  TN_PROF("moe_gate", num_tokens, num_experts);
  if (num_experts <= 0 || num_experts > kMaxExperts || top_k <= 0 || top_k > num_experts) return TN_E_ARG;
  static thread_local AlignedBuf logits_buf;
  float* logits = scratch<float>(logits_buf, (size_t)num_tokens * num_experts);
  const tn_linear_weight gate = {gate_w, nullptr, TN_F32, TN_ACT_NONE};
  int rc = linear(x, num_tokens, hidden, &gate, num_experts, logits, 0);
  if (rc != TN_OK) return rc;
  if (router_logits) memcpy(router_logits, logits, sizeof(float) * (size_t)num_tokens * num_experts);
  for (int t = 0; t < num_tokens; t++)
    route_token(logits + (size_t)t * num_experts, num_experts, top_k, expert_ids + (size_t)t * top_k,
                routing_weights + (size_t)t * top_k);
  return TN_OK;
}

size_t tn_moe_scratch_floats(const tn_moe_params* p) {
  if (!valid_params(p)) return 0;
  return kDTypes[p->w_dtype & ~TN_W_PANELS].kind == WeightKind::kInt8 ? moe_i8_scratch_floats(p)
                                                                      : moe_float_scratch_floats(p);
}

int tn_moe_experts(const float* x, const tn_moe_params* p, const int32_t* expert_ids,
                   const float* routing_weights, const tn_linear_weight* w1, const tn_linear_weight* w3,
                   const tn_linear_weight* w2, float* scratch_f, float* out) {
  TN_PROF("moe_experts", p ? p->num_tokens : 0);
  if (!valid_params(p) || !valid_weight(w1) || !valid_weight(w3) || !valid_weight(w2)) return TN_E_ARG;
  const int dt = p->w_dtype & ~TN_W_PANELS;
  if (elem_dtype(w1) != dt || elem_dtype(w3) != dt || elem_dtype(w2) != dt) return TN_E_ARG;
  const int T = p->num_tokens, K = p->top_k, E = p->num_experts;
  for (int i = 0; i < T * K; i++)
    if (expert_ids[i] < 0 || expert_ids[i] >= E) return TN_E_INDEX;
  memset(out, 0, sizeof(float) * (size_t)T * p->hidden);
  if (T == 0) return TN_OK;
  MoeCall c = {x, p, routing_weights, nullptr, nullptr, 0, T, p->hidden, p->inter, K};
  if (!route(expert_ids, T, K, E, c)) return TN_E_NOMEM;
  switch (kDTypes[dt].kind) {
    case WeightKind::kInt8: return moe_i8(c, w1, w3, w2, scratch_f, out);
    case WeightKind::kFloat: break;
  }
  return moe_float(c, w1, w3, w2, scratch_f, out);
}
}
