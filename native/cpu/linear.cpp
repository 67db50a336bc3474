// tn_linear: one entry point for every weight dtype, the dtype table's kind column choosing the
// float kernels (widened in registers; panel or row-major layout) or the int8 ones (exact int32
// dots, scaled per row and per token).  Arguments are checked here, at the JNI edge.
#include <string.h>

#include "linear.h"
#include "profile.h"
#include "threadpool.h"
#include "tramontane_cpu.h"

namespace tn {

// bf16 panels times bf16-valued activations (bf16 mode) take the bf16 dot-product kernel for every
// row count where the CPU has one: from 4 rows the tiles are compute-bound, and vdpbf16ps does two
// products per lane where an FMA does one (decisions.md: bf16dp-min-rows); 1-3 rows stream at the
// bandwidth limit either way, and summing their pairs as the many-row tiles do keeps a row's result
// independent of the rows beside it (batch invariance).
bool use_bf16dp(const Kernels& kt, int dt, bool panels, int round_act) {
  return panels && round_act && dt == TN_BF16 && kt.panel_bf16dp && has_bf16_dot();
}

void pack_bf16_pairs(const float* x, int m, int k, uint32_t* xb) {
  const int kp = bf16_pairs_per_row(k);
  auto rows = [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) {
      const float* xr = x + (size_t)t * k;
      uint32_t* o = xb + (size_t)t * kp;
      for (int q = 0; q < k / 2; q++)
        o[q] = (uint32_t)f32_to_bf16(xr[2 * q]) | (uint32_t)f32_to_bf16(xr[2 * q + 1]) << 16;
      if (k & 1) o[kp - 1] = f32_to_bf16(xr[k - 1]);
    }
  };
  if ((size_t)m * k < kMinParallelRound) rows(0, m);
  else parallel_for(m, [&](int64_t b, int64_t e) { rows(b, e); });
}

namespace {

// Row-major rows [r0, r1) of a float weight: each activation row alone through the one-row gemv
// kernels, whose sums follow the weight row and k only.  Many rows together would take other tiles
// (several activation rows per weight load, or a packed GEMM) that sum in other orders, so a row's
// result would depend on the rows beside it; the weights that stay row-major (the router, n < 16,
// and a panel weight's last n % 16 rows) are too small for that to cost anything measurable.
void row_major_rows(const Kernels& kt, const float* xg, int m, int k, const void* w, int dt, int r0, int r1,
                    float* out, int ldo) {
  const size_t eb = (size_t)kDTypes[dt].elem_bytes;
  for (int t = 0; t < m; t++) {
    const float* xt = xg + (size_t)t * k;
    float* ot = out + (size_t)t * ldo;
    if (kt.gemv_batch[dt]) {
      kt.gemv_batch[dt](xt, k, 1, (const char*)w + (size_t)r0 * k * eb, (size_t)k, r1 - r0, k, ot + r0, ldo);
      continue;
    }
    for (int r = r0; r < r1; r += 4) {
      const int rows = r1 - r < 4 ? r1 - r : 4;
      kt.gemv[dt](xt, k, 1, (const char*)w + (size_t)r * k * eb, (size_t)k, rows, k, ot + r, ldo);
    }
  }
}

}  // namespace

void linear_rows(const Kernels& kt, const float* x, const float* xg, int m, int k, const void* w, int dt, int r0,
                 int r1, float* out, int ldo, int prows, const uint32_t* xb, const tn_stream_choice* sc) {
  if (r0 < prows) {
    const int pe = r1 < prows ? r1 : prows;
    const void* pw = (const char*)w + (size_t)r0 * k * kDTypes[dt].elem_bytes;
    if (xb && sc && kt.panel_bf16dp_stream)
      kt.panel_bf16dp_stream(xb, bf16_pairs_per_row(k), m, pw, k, (pe - r0) / kPanelRows, out + r0, ldo, *sc);
    else if (xb)
      kt.panel_bf16dp(xb, bf16_pairs_per_row(k), m, pw, k, (pe - r0) / kPanelRows, out + r0, ldo);
    else if (sc)
      kt.panel_stream[dt](x, k, m, pw, k, (pe - r0) / kPanelRows, out + r0, ldo, *sc);
    else
      kt.panel[dt](x, k, m, pw, k, (pe - r0) / kPanelRows, out + r0, ldo);
    if (pe == r1) return;
    r0 = pe;
  }
  row_major_rows(kt, xg, m, k, w, dt, r0, r1, out, ldo);
}

void widen_rows(const int8_t* q, size_t n, int16_t* out) {
  for (size_t i = 0; i < n; i++) out[i] = q[i];
}

// Below this many activation elements, per-row quantization runs on the calling thread alone.
constexpr size_t kMinParallelQuant = 1 << 16;

void quantize_rows(const I8Kernels& qk, const float* x, int m, int k, int8_t* q, float* scales) {
  if ((size_t)m * k < kMinParallelQuant) {
    for (int r = 0; r < m; r++) qk.quantize_row(x + (size_t)r * k, k, q + (size_t)r * k, &scales[r]);
    return;
  }
  parallel_for(m, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) qk.quantize_row(x + (size_t)r * k, k, q + (size_t)r * k, &scales[r]);
  });
}

bool valid_weight(const tn_linear_weight* w) {
  if (!w || !w->w || !valid_dtype(elem_dtype(w))) return false;
  if (weight_kind(w) == WeightKind::kInt8)
    return w->scale && (has_panels(w) ? w->act_quant == TN_ACT_INT8_PER_TOKEN
                                      : w->act_quant == TN_ACT_NONE || w->act_quant == TN_ACT_INT8_PER_TOKEN);
  return true;
}

namespace {

// x as the kernels consume it: rounded to bf16 values (kept in f32) in bf16-activation mode,
// the caller's buffer otherwise.  Products of two bf16 values are exact in f32, so f32 FMAs over
// the rounded activations compute what a bf16 x bf16 -> f32 dot product computes.
const float* prepare_act(const float* x, size_t n, int w_dtype, int round_act, AlignedBuf& buf) {
  if (!(round_act && w_dtype == TN_BF16)) return x;
  float* xr = scratch<float>(buf, n);
  if (!xr) return nullptr;
  const Kernels& kt = kernels();
  if (n < kMinParallelRound) {
    kt.round_bf16(x, n, xr);
  } else {
    parallel_for((int64_t)((n + kRoundBlock - 1) / kRoundBlock), [&](int64_t b, int64_t e) {
      const size_t i0 = (size_t)b * kRoundBlock, i1 = (size_t)e * kRoundBlock < n ? (size_t)e * kRoundBlock : n;
      kt.round_bf16(x + i0, i1 - i0, xr + i0);
    });
  }
  return xr;
}

// x rearranged for the gemv kernel of dtype dt when it wants that (see kernels.h), else x.
const float* gemv_act(const Kernels& kt, int dt, const float* x, int m, int k, float* buf) {
  if (!kt.gemv_layout[dt]) return x;
  kt.gemv_layout[dt](x, m, k, buf);
  return buf;
}

int linear_float(const float* x, int m, int k, const void* w, int w_dtype, bool panels, int n, float* out,
                 int round_act, const tn_stream_choice* forced) {
  const Kernels& kt = kernels();
  static thread_local AlignedBuf act_buf;
  const float* xr = prepare_act(x, (size_t)m * k, w_dtype, round_act, act_buf);
  if (!xr) return TN_E_NOMEM;
  const int prows = panel_rows(panels, n);
  static thread_local AlignedBuf layout_buf;
  const float* xg = prows < n ? gemv_act(kt, w_dtype, xr, m, k, scratch<float>(layout_buf, (size_t)m * k)) : xr;
  const uint32_t* xb = nullptr;
  if (prows > 0 && use_bf16dp(kt, w_dtype, panels, round_act)) {
    static thread_local AlignedBuf pairs_buf;
    uint32_t* packed = scratch<uint32_t>(pairs_buf, (size_t)m * bf16_pairs_per_row(k));
    if (!packed) return TN_E_NOMEM;
    pack_bf16_pairs(xr, m, k, packed);
    xb = packed;
  }
  count_weight_bytes((size_t)n * k * kDTypes[w_dtype].elem_bytes);
  tn_stream_choice sc_buf;
  const tn_stream_choice* sc = forced ? forced : stream_for(kt, w_dtype, panels, m, n, k, &sc_buf);
  if ((size_t)m * n * k < kMinParallelMacs) {
    linear_rows(kt, xr, xg, m, k, w, w_dtype, 0, n, out, n, prows, xb, sc);
    return TN_OK;
  }
  const int blk = linear_block(sc);
  split_items(sc, (n + blk - 1) / blk, [&](int64_t b) {
    int r0 = (int)b * blk, r1 = r0 + blk < n ? r0 + blk : n;
    linear_rows(kt, xr, xg, m, k, w, w_dtype, r0, r1, out, n, prows, xb, sc);
  });
  return TN_OK;
}

// int8 weight, int8 activations: every row of x quantized once, exact int32 dots per block of
// kWBlock output rows.
int linear_i8_act_i8(const I8Kernels& qk, const float* x, int m, int k, const tn_linear_weight* w, int n,
                     float* out, const tn_stream_choice* forced) {
  static thread_local AlignedBuf xq_buf, xs_buf;
  int8_t* xq = scratch<int8_t>(xq_buf, (size_t)m * k);
  float* xs = scratch<float>(xs_buf, (size_t)m);
  if (!xq || !xs) return TN_E_NOMEM;
  quantize_rows(qk, x, m, k, xq, xs);
  const int prows = panel_rows(has_panels(w), n);
  static thread_local AlignedBuf x16_buf;
  int16_t* x16 = prows > 0 ? scratch<int16_t>(x16_buf, (size_t)m * k) : nullptr;
  if (prows > 0 && !x16) return TN_E_NOMEM;
  if (x16) widen_rows(xq, (size_t)m * k, x16);
  const int8_t* wq = (const int8_t*)w->w;
  tn_stream_choice sc_buf;
  const tn_stream_choice* sc = forced ? forced : stream_for(kernels(), TN_I8, prows > 0, m, n, k, &sc_buf);
  split_items(sc, (n + kWBlock - 1) / kWBlock, [&](int64_t b) {
    const int j0 = (int)b * kWBlock, nr = n - j0 < kWBlock ? n - j0 : kWBlock;
    rows_i8_scaled(
        qk, m, [&](int t) { return xq + (size_t)t * k; }, [&](int t) { return x16 + (size_t)t * k; },
        [&](int t) { return xs[t]; }, wq + (size_t)j0 * k, prows - j0, nr, k, w->scale + j0, out + j0, (size_t)n, sc);
  });
  return TN_OK;
}

int linear_i8(const float* x, int m, int k, const tn_linear_weight* w, int n, float* out,
              const tn_stream_choice* forced) {
  const I8Kernels& qk = *kernels().i8;
  count_weight_bytes((size_t)n * k + sizeof(float) * (size_t)n);
  if (w->act_quant == TN_ACT_INT8_PER_TOKEN) return linear_i8_act_i8(qk, x, m, k, w, n, out, forced);
  const int8_t* wq = (const int8_t*)w->w;
  parallel_for(n, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; j++) {
      const int8_t* wr = wq + (size_t)j * k;
      for (int r = 0; r < m; r++) out[(size_t)r * n + j] = qk.dot_f32_i8(x + (size_t)r * k, wr, k) * w->scale[j];
    }
  });
  return TN_OK;
}

}  // namespace

int linear(const float* x, int m, int k, const tn_linear_weight* w, int n, float* out, int round_act,
           const tn_stream_choice* forced) {
  if (!valid_weight(w) || m < 0 || k <= 0 || n <= 0) return TN_E_ARG;
  if (m == 0) return TN_OK;
  switch (weight_kind(w)) {
    case WeightKind::kInt8: return linear_i8(x, m, k, w, n, out, forced);
    case WeightKind::kFloat: break;
  }
  return linear_float(x, m, k, w->w, elem_dtype(w), has_panels(w), n, out, round_act, forced);
}

}  // namespace tn

extern "C" int tn_linear(const float* x, int m, int k, const tn_linear_weight* w, int n, float* out, int round_act) {
  TN_PROF(m == 1 ? "linear m=1" : "linear", n, k);
  return tn::linear(x, m, k, w, n, out, round_act);
}
