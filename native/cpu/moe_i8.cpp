// The MoE over int8 expert weights (W8A8 dynamic, W8A16): per element the arithmetic of tn_linear
// on an int8 weight, so the results are bit for bit the per-expert linears', summed in expert
// order.  With int8 activations every token's row is quantized once, however many experts it
// goes to (the same bytes the per-expert linears compute from their gathered copies).
#include "linear.h"
#include "moe.h"

namespace tn {

namespace {

// The caller's scratch, in floats: R = routed rows per group (at most TN_MOE_MAX_ROWS).  g16 (gq
// widened to int16 for int8 panels) reuses g, which is no longer read once g is quantized into gq.
struct I8Layout {
  size_t g, d, gq, gs, xq, xs, x16, g16, total;
};
I8Layout i8_layout(const tn_moe_params* p) {
  const size_t T = (size_t)(p->num_tokens > 0 ? p->num_tokens : 0), H = (size_t)p->hidden, I = (size_t)p->inter;
  size_t R = T * (size_t)(p->top_k > 0 ? p->top_k : 0);
  if (R > TN_MOE_MAX_ROWS) R = TN_MOE_MAX_ROWS;
  auto up16 = [](size_t f) { return (f + 15) & ~(size_t)15; };  // 64-byte steps
  I8Layout L;
  size_t o = 0;
  L.g = o; o += up16(R * I);
  L.g16 = L.g;
  L.d = o; o += up16(R * H);
  L.gq = o; o += up16((R * I + 3) / 4);
  L.gs = o; o += up16(R);
  L.xq = o; o += up16((T * H + 3) / 4);
  L.xs = o; o += up16(T);
  L.x16 = o; o += up16((T * H + 1) / 2);
  L.total = o;
  return L;
}

class I8Path {
 public:
  I8Path(const MoeCall& c, const tn_linear_weight* w1, const tn_linear_weight* w3, const tn_linear_weight* w2,
         float* scratch_f)
      : c_(c), qk_(*kernels().i8), kt_(kernels()), w1_(w1), w3_(w3), w2_(w2) {
    q1_ = w1->act_quant == TN_ACT_INT8_PER_TOKEN;
    q3_ = w3->act_quant == TN_ACT_INT8_PER_TOKEN;
    q2_ = w2->act_quant == TN_ACT_INT8_PER_TOKEN;
    // each expert's [I, H] (w1, w3) and [H, I] (w2) block in the int8 panel layout up to these rows
    p1_ = panel_rows(has_panels(w1), c.I);
    p3_ = panel_rows(has_panels(w3), c.I);
    p2_ = panel_rows(has_panels(w2), c.H);
    up_sc_ = stream_for(kt_, TN_I8, p1_ > 0 && p3_ > 0, 1, c.I, c.H, &up_buf_);
    down_sc_ = stream_for(kt_, TN_I8, p2_ > 0, 1, c.H, c.I, &down_buf_);
    const I8Layout L = i8_layout(c.p);
    x16_ = (int16_t*)(scratch_f + L.x16);  // [T, H] xq widened (p1 or p3)
    g16_ = (int16_t*)(scratch_f + L.g16);  // [rows, I] gq widened (p2), over g
    g_ = scratch_f + L.g;                  // [rows, I] w1 x, then silu(w1 x) * w3 x
    d_ = scratch_f + L.d;                  // [rows, H] w2 (...)
    gq_ = (int8_t*)(scratch_f + L.gq);     // [rows, I] g quantized per row (q2)
    gs_ = scratch_f + L.gs;                // [rows]
    xq_ = (int8_t*)(scratch_f + L.xq);     // [T, H] x quantized per token (q1 or q3)
    xs_ = scratch_f + L.xs;                // [T]
  }

  // w1 and w3 share the up pass's branch, and int8 panels take int8 activations only.
  bool valid() const { return !((p1_ > 0 || p3_ > 0) && !(q1_ && q3_)); }

  int prepare() {
    if (q1_ || q3_) {
      quantize_rows(qk_, c_.x, c_.T, c_.H, xq_, xs_);
      if (p1_ > 0 || p3_ > 0) widen_rows(xq_, (size_t)c_.T * c_.H, x16_);
    }
    return TN_OK;
  }

  int block(int, int) const { return kWBlock; }

  int gather(int s0, int s1, int) {
    const size_t H = c_.H, I = c_.I;
    for (int s = s0; s < s1; s++) count_weight_bytes(2 * (I * H + sizeof(float) * I) + H * I + sizeof(float) * H);
    return TN_OK;
  }

  bool up(const MoeItem& it) {
    const MoeSegment& sg = c_.segs[it.seg];
    const int H = c_.H, I = c_.I, ne = sg.rows(), r0 = it.r0, r1 = it.r1, nr = r1 - r0;
    static thread_local AlignedBuf up_buf;
    float* us = scratch<float>(up_buf, (size_t)ne * nr);  // w3 x of this block: [ne, nr]
    if (!us) return false;
    const int8_t* w1e = (const int8_t*)w1_->w + (size_t)sg.e * I * H;
    const int8_t* w3e = (const int8_t*)w3_->w + (size_t)sg.e * I * H;
    const float* s1e = w1_->scale + (size_t)sg.e * I;
    const float* s3e = w3_->scale + (size_t)sg.e * I;
    float* gs0 = g_ + (size_t)sg.row0 * I;
    if (q1_ && q3_) {  // int8 activations: their quantized rows
      auto row = [&](int r) { return xq_ + (size_t)c_.token(sg.a0 + r) * H; };
      auto row16 = [&](int r) { return x16_ + (size_t)c_.token(sg.a0 + r) * H; };
      auto scale = [&](int r) { return xs_[c_.token(sg.a0 + r)]; };
      const tn_stream_choice* sc = ne <= 2 ? up_sc_ : nullptr;
      rows_i8_scaled(qk_, ne, row, row16, scale, w1e + (size_t)r0 * H, p1_ - r0, nr, H, s1e + r0, gs0 + r0, (size_t)I,
                     sc);
      rows_i8_scaled(qk_, ne, row, row16, scale, w3e + (size_t)r0 * H, p3_ - r0, nr, H, s3e + r0, us, (size_t)nr, sc);
    } else {
      for (int j = r0; j < r1; j++) {
        const int8_t* a = w1e + (size_t)j * H;
        const int8_t* b = w3e + (size_t)j * H;
        for (int r = 0; r < ne; r++) {
          const int t = c_.token(sg.a0 + r);
          gs0[(size_t)r * I + j] = dot(q1_, t, a, s1e[j]);
          us[(size_t)r * nr + (j - r0)] = dot(q3_, t, b, s3e[j]);
        }
      }
    }
    // r0 is a multiple of kWBlock, so the SIMD SwiGLU splits the row where a whole-row call would
    for (int r = 0; r < ne; r++) kt_.swiglu(gs0 + (size_t)r * I + r0, us + (size_t)r * nr, nr);
    return true;
  }

  int between(int, int, int rows) {
    if (q2_) {
      quantize_rows(qk_, g_, rows, c_.I, gq_, gs_);
      if (p2_ > 0) widen_rows(gq_, (size_t)rows * c_.I, g16_);
    }
    return TN_OK;
  }

  void down(const MoeItem& it) {
    const MoeSegment& sg = c_.segs[it.seg];
    const int H = c_.H, I = c_.I, ne = sg.rows(), r0 = it.r0, r1 = it.r1;
    const int8_t* w2e = (const int8_t*)w2_->w + (size_t)sg.e * H * I;
    const float* s2e = w2_->scale + (size_t)sg.e * H;
    if (q2_) {  // int8 activations: their quantized rows
      rows_i8_scaled(
          qk_, ne, [&](int r) { return gq_ + (size_t)(sg.row0 + r) * I; },
          [&](int r) { return g16_ + (size_t)(sg.row0 + r) * I; }, [&](int r) { return gs_[sg.row0 + r]; },
          w2e + (size_t)r0 * I, p2_ - r0, r1 - r0, I, s2e + r0, d_ + (size_t)sg.row0 * H + r0, (size_t)H,
          ne <= 2 ? down_sc_ : nullptr);
      return;
    }
    for (int j = r0; j < r1; j++) {
      const int8_t* a = w2e + (size_t)j * I;
      for (int r = 0; r < ne; r++) {
        const size_t row = (size_t)sg.row0 + r;
        d_[row * H + j] = qk_.dot_f32_i8(g_ + row * I, a, I) * s2e[j];
      }
    }
  }

  const float* down_out() const { return d_; }

 private:
  // One up-projection element of token t against weight row a (scale s), as tn_linear computes it.
  float dot(bool quantized, int t, const int8_t* a, float s) const {
    const size_t H = c_.H;
    return quantized ? ((float)qk_.dot_i8(xq_ + (size_t)t * H, a, c_.H) * s) * xs_[t]
                     : qk_.dot_f32_i8(c_.x + (size_t)t * H, a, c_.H) * s;
  }

  const MoeCall& c_;
  const I8Kernels& qk_;
  const Kernels& kt_;
  const tn_linear_weight *w1_, *w3_, *w2_;
  bool q1_, q3_, q2_;
  int p1_, p3_, p2_;
  tn_stream_choice up_buf_, down_buf_;
  const tn_stream_choice *up_sc_, *down_sc_;
  int16_t *x16_, *g16_;
  float *g_, *d_, *gs_, *xs_;
  int8_t *gq_, *xq_;
};

}  // namespace

size_t moe_i8_scratch_floats(const tn_moe_params* p) { return i8_layout(p).total; }

int moe_i8(const MoeCall& c, const tn_linear_weight* w1, const tn_linear_weight* w3, const tn_linear_weight* w2,
           float* scratch, float* out) {
  I8Path path(c, w1, w3, w2, scratch);
  if (!path.valid()) return TN_E_ARG;
  path.prepare();
  return run_moe_groups(c, path, out);
}

}  // namespace tn
