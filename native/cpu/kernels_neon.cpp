// The aarch64 NEON level (Armv8.0-A Advanced SIMD, which every aarch64 CPU has): f32 FMA bodies
// that widen f16 (fcvtl) and bf16 (a 16-bit shift) weights in registers.  The table is the scalar
// one with these bodies in its place; the kernels this file leaves out (attention, SwiGLU, bf16
// rounding) stay the portable ones.  The int8 row is kernels_neon_i8.cpp's, the
// bf16 dot-product panels kernels_neon_bf16.cpp's (run only where HWCAP reports BF16).
#include <arm_neon.h>

#include "kernels.h"

namespace tn {
namespace {

// Four consecutive elements of a weight of dtype D from element i, widened to f32.
template <int D>
inline float32x4_t load4(const void* w, size_t i) {
  if constexpr (D == TN_F32) return vld1q_f32((const float*)w + i);
  else if constexpr (D == TN_F16) return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t*)w + i)));
  else return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16((const uint16_t*)w + i), 16));
}

template <int D>
float dot_neon(const float* x, const void* w, int n) {
  float32x4_t a0 = vdupq_n_f32(0.f), a1 = a0, a2 = a0, a3 = a0;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = vfmaq_f32(a0, vld1q_f32(x + i), load4<D>(w, i));
    a1 = vfmaq_f32(a1, vld1q_f32(x + i + 4), load4<D>(w, i + 4));
    a2 = vfmaq_f32(a2, vld1q_f32(x + i + 8), load4<D>(w, i + 8));
    a3 = vfmaq_f32(a3, vld1q_f32(x + i + 12), load4<D>(w, i + 12));
  }
  for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, vld1q_f32(x + i), load4<D>(w, i));
  float s = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
  for (; i < n; i++) s += x[i] * load_elem(w, D, i);
  return s;
}

template <int D>
void axpy_neon(float a, const void* x, float* y, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), load4<D>(x, i), a));
  for (; i < n; i++) y[i] += a * load_elem(x, D, i);
}

// f(std::integral_constant<int, n>()) for 1 <= n <= 4.
template <typename F>
inline void with_up_to_4(int n, F&& f) {
  switch (n) {
    case 1: f(std::integral_constant<int, 1>()); break;
    case 2: f(std::integral_constant<int, 2>()); break;
    case 3: f(std::integral_constant<int, 3>()); break;
    default: f(std::integral_constant<int, 4>()); break;
  }
}

// R weight rows x M activation rows, each weight vector loaded once for all M rows.
template <int D, int M, int R>
void gemv_tile(const float* x, int ldx, const void* w, size_t ldw, int k, float* out, int ldo) {
  float32x4_t acc[M][R];
  for (int t = 0; t < M; t++)
    for (int r = 0; r < R; r++) acc[t][r] = vdupq_n_f32(0.f);
  int i = 0;
  for (; i + 4 <= k; i += 4) {
    float32x4_t wv[R];
    for (int r = 0; r < R; r++) wv[r] = load4<D>(w, (size_t)r * ldw + i);
    for (int t = 0; t < M; t++) {
      const float32x4_t xv = vld1q_f32(x + (size_t)t * ldx + i);
      for (int r = 0; r < R; r++) acc[t][r] = vfmaq_f32(acc[t][r], xv, wv[r]);
    }
  }
  for (int t = 0; t < M; t++)
    for (int r = 0; r < R; r++) {
      float s = vaddvq_f32(acc[t][r]);
      for (int j = i; j < k; j++) s += x[(size_t)t * ldx + j] * load_elem(w, D, (size_t)r * ldw + j);
      out[(size_t)t * ldo + r] = s;
    }
}

template <int D>
void gemv_neon(const float* x, int ldx, int m, const void* w, size_t ldw, int rows, int k, float* out, int ldo) {
  with_up_to_4(m, [&](auto mt) {
    with_up_to_4(rows, [&](auto rt) { gemv_tile<D, mt.value, rt.value>(x, ldx, w, ldw, k, out, ldo); });
  });
}

// The 16 weights of input column i of a panel, widened, in column order (bf16 keeps columns c and
// c + 8 in one 32-bit lane: the low halves shift up, the high halves are masked).
template <int D>
inline void panel_column(const void* panel, int i, float32x4_t wv[4]) {
  if constexpr (D == TN_F32) {
    const float* p = (const float*)panel + (size_t)i * kPanelRows;
    for (int j = 0; j < 4; j++) wv[j] = vld1q_f32(p + 4 * j);
  } else if constexpr (D == TN_F16) {
    const float16x8_t lo = vreinterpretq_f16_u16(vld1q_u16((const uint16_t*)panel + (size_t)i * kPanelRows));
    const float16x8_t hi = vreinterpretq_f16_u16(vld1q_u16((const uint16_t*)panel + (size_t)i * kPanelRows + 8));
    wv[0] = vcvt_f32_f16(vget_low_f16(lo));
    wv[1] = vcvt_high_f32_f16(lo);
    wv[2] = vcvt_f32_f16(vget_low_f16(hi));
    wv[3] = vcvt_high_f32_f16(hi);
  } else {
    const uint32_t* p = (const uint32_t*)((const uint16_t*)panel + (size_t)i * kPanelRows);
    const uint32x4_t u0 = vld1q_u32(p), u1 = vld1q_u32(p + 4), mask = vdupq_n_u32(0xffff0000u);
    wv[0] = vreinterpretq_f32_u32(vshlq_n_u32(u0, 16));
    wv[1] = vreinterpretq_f32_u32(vshlq_n_u32(u1, 16));
    wv[2] = vreinterpretq_f32_u32(vandq_u32(u0, mask));
    wv[3] = vreinterpretq_f32_u32(vandq_u32(u1, mask));
  }
}

// G activation rows over one panel: 4 G accumulators, the column's 16 weights loaded once.
template <int D, int G>
void panel_tile(const float* x, int ldx, const void* panel, int k, float* out, int ldo, PanelFetch f) {
  const size_t row_bytes = (size_t)kPanelRows * kDTypes[D].elem_bytes;
  float32x4_t acc[G][4];
  for (int t = 0; t < G; t++)
    for (int j = 0; j < 4; j++) acc[t][j] = vdupq_n_f32(0.f);
  for (int i = 0; i < k; i++) {
    prefetch_panel(prefetch_addr((const char*)panel + (size_t)i * row_bytes, kPanelPrefetchBytes), f);
    float32x4_t wv[4];
    panel_column<D>(panel, i, wv);
    for (int t = 0; t < G; t++) {
      const float xv = x[(size_t)t * ldx + i];
      for (int j = 0; j < 4; j++) acc[t][j] = vfmaq_n_f32(acc[t][j], wv[j], xv);
    }
  }
  for (int t = 0; t < G; t++)
    for (int j = 0; j < 4; j++) vst1q_f32(out + (size_t)t * ldo + 4 * j, acc[t][j]);
}

template <int D>
void panel_neon(const float* x, int ldx, int m, const void* panels, int k, int np, float* out, int ldo) {
  const size_t panel_bytes = (size_t)k * kPanelRows * kDTypes[D].elem_bytes;
  for_each_panel_group(m, np, [&](int p, int t, auto rows, PanelFetch f) {
    panel_tile<D, rows.value>(x + (size_t)t * ldx, ldx, (const char*)panels + (size_t)p * panel_bytes, k,
                              out + (size_t)t * ldo + p * kPanelRows, ldo, f);
  });
}

float sum_neon(const float* x, size_t n) {
  float32x4_t a[4] = {vdupq_n_f32(0.f), vdupq_n_f32(0.f), vdupq_n_f32(0.f), vdupq_n_f32(0.f)};
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 4; j++) a[j] = vaddq_f32(a[j], vld1q_f32(x + i + 4 * j));
  float s = vaddvq_f32(vaddq_f32(vaddq_f32(a[0], a[1]), vaddq_f32(a[2], a[3])));
  for (; i < n; i++) s += x[i];
  return s;
}

// 16 independent FMA chains of 4 lanes (two FMA pipes of 4-cycle latency stay busy).
double fma_peak_neon(long iters) {
  float32x4_t acc[16];
  for (int j = 0; j < 16; j++) acc[j] = vdupq_n_f32(1.f + 0.01f * (float)j);
  const float32x4_t b = vdupq_n_f32(0.999999f), c = vdupq_n_f32(1e-7f);
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) acc[j] = vfmaq_f32(c, acc[j], b);
  }
  float32x4_t s = acc[0];
  for (int j = 1; j < 16; j++) s = vaddq_f32(s, acc[j]);
  volatile float sink = vaddvq_f32(s);
  (void)sink;
  return 2.0 * 4 * 16 * (double)iters;
}

Kernels make_neon_kernels() {
  Kernels t = kScalarKernels;
  t.isa_name = "neon";
  const DotFn dot[] = {dot_neon<TN_F32>, dot_neon<TN_F16>, dot_neon<TN_BF16>};
  const AxpyFn axpy[] = {axpy_neon<TN_F32>, axpy_neon<TN_F16>, axpy_neon<TN_BF16>};
  const GemvTileFn gemv[] = {gemv_neon<TN_F32>, gemv_neon<TN_F16>, gemv_neon<TN_BF16>};
  const PanelFn panel[] = {panel_neon<TN_F32>, panel_neon<TN_F16>, panel_neon<TN_BF16>};
  for (int d = 0; d < 3; d++) {
    t.dot[d] = dot[d];
    t.axpy[d] = axpy[d];
    t.gemv[d] = gemv[d];
    t.panel[d] = panel[d];
  }
  t.panel_bf16dp = panel_bf16dp_neon;
  t.sum = sum_neon;
  t.fma_peak = fma_peak_neon;
  t.i8 = &kNeonI8Kernels;
  return t;
}

}  // namespace

// kScalarKernels is constant-initialized (function addresses only), so it is complete before
// this dynamic initialization runs, whatever the order of the files.
const Kernels kNeonKernels = make_neon_kernels();

}  // namespace tn
