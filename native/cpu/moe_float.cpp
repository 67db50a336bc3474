// The MoE over float expert weights (f32, f16, bf16; panel or row-major): each expert's rows run
// through linear.h's row kernels, bf16 mode rounding the activations as tn_linear does.
#include <string.h>

#include "linear.h"
#include "moe.h"

namespace tn {

namespace {

// The caller's scratch for R = routed rows per group (at most TN_MOE_MAX_ROWS): xg [R, H] the
// gathered rows of x, g [R, I] w1 x then silu(w1 x) * w3 x, d [R, H] the down projection, and
// xgl [R, H] / gl [R, I] those rows in the gemv kernels' layout.  They are rearranged only for
// experts with row-major rows (the last I % 16 or H % 16 rows of panel weights, or no panels); all
// panel experts leave those pages untouched.
size_t group_rows(const tn_moe_params* p) {
  size_t rows = (size_t)p->num_tokens * p->top_k;
  return rows > (size_t)TN_MOE_MAX_ROWS ? (size_t)TN_MOE_MAX_ROWS : rows;
}

class FloatPath {
 public:
  FloatPath(const MoeCall& c, const tn_linear_weight* w1, const tn_linear_weight* w3, const tn_linear_weight* w2,
            float* scratch_f)
      : c_(c), kt_(kernels()), dt_(elem_dtype(w1)), panels_(has_panels(w1)), w1_(w1->w), w3_(w3->w), w2_(w2->w) {
    const size_t R = group_rows(c.p), H = c.H, I = c.I;
    xg_ = scratch_f;
    g_ = xg_ + R * H;
    d_ = g_ + R * I;
    xgl_ = d_ + R * H;
    gl_ = xgl_ + R * H;
    eb_ = (size_t)kDTypes[dt_].elem_bytes;
    round_ = c.p->round_act && dt_ == TN_BF16;
    up_prows_ = panel_rows(panels_, c.I);
    down_prows_ = panel_rows(panels_, c.H);
    up_sc_ = stream_for(kt_, dt_, panels_, 1, c.I, c.H, &up_buf_);
    down_sc_ = stream_for(kt_, dt_, panels_, 1, c.H, c.I, &down_buf_);
  }

  // (n_out tells the passes apart: c.I rows for the up projections, c.H for the down one)
  int block(int rows, int n_out) const { return linear_block(streams(rows, n_out == c_.I)); }

  int gather(int s0, int s1, int rows) {
    const int H = c_.H;
    for (int s = s0; s < s1; s++) {
      const MoeSegment& sg = c_.segs[s];
      for (int a = sg.a0; a < sg.a1; a++) {
        const float* src = c_.x + (size_t)c_.token(a) * H;
        float* dst = xg_ + (size_t)(sg.row0 + a - sg.a0) * H;
        if (round_) kt_.round_bf16(src, (size_t)H, dst);
        else memcpy(dst, src, sizeof(float) * H);
      }
      count_weight_bytes(3 * (size_t)c_.I * H * eb_);
    }
    xg_gemv_ = gemv_rows(s0, s1, xg_, H, xgl_, up_prows_ == c_.I);
    // The group's rows as bf16 pairs where the experts take the bf16 dot-product kernel (every
    // segment alike; segment s's rows at row0 * kp); those of g are packed between the passes.
    any_dp_ = use_bf16dp(kt_, dt_, panels_, round_);
    xg_pairs_ = g_pairs_ = nullptr;
    if (!any_dp_) return TN_OK;
    static thread_local AlignedBuf xg_pairs_buf, g_pairs_buf;
    xg_pairs_ = scratch<uint32_t>(xg_pairs_buf, (size_t)rows * bf16_pairs_per_row(H));
    g_pairs_ = scratch<uint32_t>(g_pairs_buf, (size_t)rows * bf16_pairs_per_row(c_.I));
    if (!xg_pairs_ || !g_pairs_) return TN_E_NOMEM;
    pack_bf16_pairs(xg_, rows, H, xg_pairs_);
    return TN_OK;
  }

  bool up(const MoeItem& it) {
    const MoeSegment& sg = c_.segs[it.seg];
    const int H = c_.H, I = c_.I, ne = sg.rows(), r0 = it.r0, nr = it.r1 - it.r0;
    const float* xs = xg_ + (size_t)sg.row0 * H;
    const float* xsg = xg_gemv_ + (size_t)sg.row0 * H;
    float* gs = g_ + (size_t)sg.row0 * I;
    static thread_local AlignedBuf up_buf;
    float* us = scratch<float>(up_buf, (size_t)ne * nr);  // w3 x of this item's block only: [ne, nr]
    if (!us) return false;
    const uint32_t* xsb = seg_pairs(sg, xg_pairs_, H);
    const tn_stream_choice* sc = streams(ne, true);
    linear_rows(kt_, xs, xsg, ne, H, (const char*)w1_ + (size_t)sg.e * I * H * eb_, dt_, r0, it.r1, gs, I, up_prows_,
                xsb, sc);
    // (r0 is a multiple of the panel rows: w3's panels start again at its row 0 here)
    linear_rows(kt_, xs, xsg, ne, H, (const char*)w3_ + ((size_t)sg.e * I + r0) * H * eb_, dt_, 0, nr, us, nr,
                up_prows_ > r0 ? up_prows_ - r0 : 0, xsb, sc);
    for (int t = 0; t < ne; t++) {
      float* gt = gs + (size_t)t * I + r0;
      kt_.swiglu(gt, us + (size_t)t * nr, nr);
      if (round_) kt_.round_bf16(gt, (size_t)nr, gt);
    }
    return true;
  }

  int between(int s0, int s1, int rows) {
    g_gemv_ = gemv_rows(s0, s1, g_, c_.I, gl_, down_prows_ == c_.H);
    if (any_dp_) pack_bf16_pairs(g_, rows, c_.I, g_pairs_);
    return TN_OK;
  }

  void down(const MoeItem& it) {
    const MoeSegment& sg = c_.segs[it.seg];
    const int H = c_.H, I = c_.I;
    linear_rows(kt_, g_ + (size_t)sg.row0 * I, g_gemv_ + (size_t)sg.row0 * I, sg.rows(), I,
                (const char*)w2_ + (size_t)sg.e * H * I * eb_, dt_, it.r0, it.r1, d_ + (size_t)sg.row0 * H, H,
                down_prows_, seg_pairs(sg, g_pairs_, I), streams(sg.rows(), false));
  }

  const float* down_out() const { return d_; }

 private:
  // src's rows rearranged for the gemv kernels, segment by segment, where a segment runs on them
  // (panel-layout weights read src as it is; only their row-major last rows, if any, need this).
  const float* gemv_rows(int s0, int s1, const float* src, int width, float* dst, bool all_panels) const {
    if (!kt_.gemv_layout[dt_] || all_panels) return src;
    for (int s = s0; s < s1; s++)
      kt_.gemv_layout[dt_](src + (size_t)c_.segs[s].row0 * width, c_.segs[s].rows(), width,
                           dst + (size_t)c_.segs[s].row0 * width);
    return dst;
  }

  // The tuned streams of a segment of `rows` rows through the up ([I, H] blocks) or the down
  // projection ([H, I]), or nullptr.
  const tn_stream_choice* streams(int rows, bool up) const {
    return rows > kStreamMaxRows ? nullptr : up ? up_sc_ : down_sc_;
  }

  // Segment sg's rows of a packed group, or nullptr where the group stays on the f32 kernels.
  const uint32_t* seg_pairs(const MoeSegment& sg, const uint32_t* pairs, int width) const {
    if (!pairs) return nullptr;
    return pairs + (size_t)sg.row0 * bf16_pairs_per_row(width);
  }

  const MoeCall& c_;
  const Kernels& kt_;
  const int dt_;
  const bool panels_;
  const void *w1_, *w3_, *w2_;
  size_t eb_;
  bool round_, any_dp_ = false;
  int up_prows_, down_prows_;
  float *xg_, *g_, *d_, *xgl_, *gl_;
  const float *xg_gemv_ = nullptr, *g_gemv_ = nullptr;
  uint32_t *xg_pairs_ = nullptr, *g_pairs_ = nullptr;
  tn_stream_choice up_buf_, down_buf_;
  const tn_stream_choice *up_sc_ = nullptr, *down_sc_ = nullptr;
};

}  // namespace

size_t moe_float_scratch_floats(const tn_moe_params* p) {
  return group_rows(p) * (3 * (size_t)p->hidden + 2 * (size_t)p->inter) + 16;
}

int moe_float(const MoeCall& c, const tn_linear_weight* w1, const tn_linear_weight* w3, const tn_linear_weight* w2,
              float* scratch, float* out) {
  // one layout for the three (each expert's blocks in panels up to the same rows)
  if (w3->dtype != w1->dtype || w2->dtype != w1->dtype) return TN_E_ARG;
  FloatPath path(c, w1, w3, w2, scratch);
  return run_moe_groups(c, path, out);
}

}  // namespace tn
