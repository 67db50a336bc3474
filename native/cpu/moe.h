// The expert MoE's shared frame and the two ways its experts multiply (moe_float.cpp, moe_i8.cpp).
// moe.cpp routes: assignments (token, slot) sorted by expert, cut into segments of one expert's
// rows.  run_moe_groups groups the segments up to TN_MOE_MAX_ROWS rows and per group runs the
// path's gather, one parallel pass of up-projection items (w1, w3, SwiGLU), the path's step between
// the passes, one pass of down-projection items (w2), and the weighted sum into out in expert order
// (HF's summation order per token).  A path owns its scratch layout and its kernels.
// Baseline flags only.
#ifndef TN_MOE_H
#define TN_MOE_H
#include <stddef.h>

#include <atomic>

#include "scratch.h"
#include "threadpool.h"
#include "tramontane_cpu.h"

namespace tn {

// A run of one expert's routed rows: assignments order[a0, a1) (all routed to expert e), placed at
// rows [row0, row0 + a1 - a0) of the group's scratch.
struct MoeSegment {
  int e, a0, a1, row0;
  int rows() const { return a1 - a0; }
};
// A work item: output rows [r0, r1) of segment seg.
struct MoeItem {
  int seg, r0, r1;
};

// One call: its inputs and its routing.
struct MoeCall {
  const float* x;  // [T, H]
  const tn_moe_params* p;
  const float* routing_weights;
  const int* order;  // assignment indices t * K + j, by expert, tokens ascending within one
  MoeSegment* segs;
  int num_segs;
  int T, H, I, K;
  int token(int a) const { return order[a] / K; }  // the token of sorted assignment a
};

// The paths: each checks its weights, then runs run_moe_groups.
int moe_float(const MoeCall& c, const tn_linear_weight* w1, const tn_linear_weight* w3, const tn_linear_weight* w2,
              float* scratch, float* out);
int moe_i8(const MoeCall& c, const tn_linear_weight* w1, const tn_linear_weight* w3, const tn_linear_weight* w2,
           float* scratch, float* out);
size_t moe_float_scratch_floats(const tn_moe_params* p);
size_t moe_i8_scratch_floats(const tn_moe_params* p);

// Work items over the output rows [0, n_out) of segments [s0, s1), path.block(rows, n_out) rows
// each, round robin over the experts (decisions.md: moe-round-robin); nullptr when scratch cannot
// grow.
template <typename Path>
const MoeItem* moe_items(const MoeCall& c, const Path& path, int s0, int s1, int n_out, int* count) {
  static thread_local AlignedBuf item_buf;
  int n = 0;
  for (int s = s0; s < s1; s++) {
    const int blk = path.block(c.segs[s].rows(), n_out);
    n += (n_out + blk - 1) / blk;
  }
  MoeItem* items = scratch<MoeItem>(item_buf, (size_t)n + 1);
  if (!items) return nullptr;
  *count = 0;
  round_robin_blocks(
      s0, s1, n_out, [&](int s) { return path.block(c.segs[s].rows(), n_out); },
      [&](int s, int r0, int r1) { items[(*count)++] = {s, r0, r1}; });
  return items;
}

// The group loop every path shares.  Path: block(rows, n_out), gather(s0, s1, rows), up(item) (false:
// out of memory), between(s0, s1, rows), down(item), down_out() ([rows, H] by group row).
template <typename Path>
int run_moe_groups(const MoeCall& c, Path& path, float* out) {
  const int cap = TN_MOE_MAX_ROWS, H = c.H;
  for (int s0 = 0; s0 < c.num_segs;) {
    int s1 = s0, rows = 0;
    while (s1 < c.num_segs && rows + c.segs[s1].rows() <= cap) {
      c.segs[s1].row0 = rows;
      rows += c.segs[s1].rows();
      s1++;
    }
    int rc = path.gather(s0, s1, rows);
    if (rc != TN_OK) return rc;
    int n = 0;
    const MoeItem* items = moe_items(c, path, s0, s1, c.I, &n);
    if (!items) return TN_E_NOMEM;
    std::atomic<bool> nomem{false};
    parallel_items(n, [&](int64_t it) {
      if (!path.up(items[it])) nomem.store(true, std::memory_order_relaxed);
    });
    if (nomem.load()) return TN_E_NOMEM;
    rc = path.between(s0, s1, rows);
    if (rc != TN_OK) return rc;
    items = moe_items(c, path, s0, s1, H, &n);
    if (!items) return TN_E_NOMEM;
    parallel_items(n, [&](int64_t it) { path.down(items[it]); });
    const float* d = path.down_out();
    for (int s = s0; s < s1; s++) {
      const MoeSegment& sg = c.segs[s];
      for (int a = sg.a0; a < sg.a1; a++) {
        const float wgt = c.routing_weights[c.order[a]];
        float* o = out + (size_t)c.token(a) * H;
        const float* dr = d + (size_t)(sg.row0 + a - sg.a0) * H;
        for (int i = 0; i < H; i++) o[i] += dr[i] * wgt;
      }
    }
    s0 = s1;
  }
  return TN_OK;
}

}  // namespace tn
#endif
