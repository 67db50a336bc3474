// The NEON level's int8 row (Armv8.0-A: widening multiply-accumulate, exact in int32), and the
// row's choice at start of the Armv8.2 dot-product and i8mm bodies where HWCAP reports them
// (kernels_neon_dot.cpp, kernels_neon_i8mm.cpp; the same exact sums).
#include <arm_neon.h>

#include "kernels.h"
#include "quantize.h"

namespace tn {

int32_t dot_i8_neon(const int8_t* a, const int8_t* b, int n) {
  int32x4_t acc = vdupq_n_s32(0);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const int8x16_t va = vld1q_s8(a + i), vb = vld1q_s8(b + i);
    // each int16 product fits (|a|, |b| <= 128); pairs are summed into int32 at once
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(va), vget_low_s8(vb)));
    acc = vpadalq_s16(acc, vmull_high_s8(va, vb));
  }
  int32_t s = vaddvq_s32(acc);
  for (; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
  return s;
}

void dot_i8_rows_neon(const int8_t* const* x, int m, const int8_t* w, size_t ldw, int rows, int k, int32_t* out,
                      size_t ldo) {
  for (int r = 0; r < rows; r++)
    for (int t = 0; t < m; t++) out[(size_t)t * ldo + r] = dot_i8_neon(x[t], w + (size_t)r * ldw, k);
}

namespace {

float dot_f32_i8_neon(const float* x, const int8_t* w, int n) {
  float32x4_t a0 = vdupq_n_f32(0.f), a1 = a0, a2 = a0, a3 = a0;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const int8x16_t v = vld1q_s8(w + i);
    const int16x8_t lo = vmovl_s8(vget_low_s8(v)), hi = vmovl_high_s8(v);
    a0 = vfmaq_f32(a0, vld1q_f32(x + i), vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))));
    a1 = vfmaq_f32(a1, vld1q_f32(x + i + 4), vcvtq_f32_s32(vmovl_high_s16(lo)));
    a2 = vfmaq_f32(a2, vld1q_f32(x + i + 8), vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))));
    a3 = vfmaq_f32(a3, vld1q_f32(x + i + 12), vcvtq_f32_s32(vmovl_high_s16(hi)));
  }
  float s = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
  for (; i < n; i++) s += x[i] * (float)w[i];
  return s;
}

// G activation rows (int16) over one int8 panel ([k / 2][16][2], panel_i8_pos): ld2 splits each
// 32 bytes into the even and the odd column's 16 weights, which widen to int16 and multiply-
// accumulate into int32 against the broadcast activation.
template <int G>
void panel_i8_tile(const int16_t* const* x, const int8_t* w, int k, int32_t* out, size_t ldo) {
  int32x4_t acc[G][4];
  for (int t = 0; t < G; t++)
    for (int j = 0; j < 4; j++) acc[t][j] = vdupq_n_s32(0);
  for (int i = 0; i < k; i += 2) {
    const int8x16x2_t v = vld2q_s8(w + (size_t)i * 16);
    const int16x8_t e0 = vmovl_s8(vget_low_s8(v.val[0])), e1 = vmovl_high_s8(v.val[0]);
    const int16x8_t o0 = vmovl_s8(vget_low_s8(v.val[1])), o1 = vmovl_high_s8(v.val[1]);
    for (int t = 0; t < G; t++) {
      const int16_t xe = x[t][i], xo = x[t][i + 1];
      acc[t][0] = vmlal_n_s16(acc[t][0], vget_low_s16(e0), xe);
      acc[t][1] = vmlal_high_n_s16(acc[t][1], e0, xe);
      acc[t][2] = vmlal_n_s16(acc[t][2], vget_low_s16(e1), xe);
      acc[t][3] = vmlal_high_n_s16(acc[t][3], e1, xe);
      acc[t][0] = vmlal_n_s16(acc[t][0], vget_low_s16(o0), xo);
      acc[t][1] = vmlal_high_n_s16(acc[t][1], o0, xo);
      acc[t][2] = vmlal_n_s16(acc[t][2], vget_low_s16(o1), xo);
      acc[t][3] = vmlal_high_n_s16(acc[t][3], o1, xo);
    }
  }
  for (int t = 0; t < G; t++)
    for (int j = 0; j < 4; j++) vst1q_s32(out + (size_t)t * ldo + 4 * j, acc[t][j]);
}

void panel_i8_neon(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out, size_t ldo) {
  for (int p = 0; p < np; p++) {
    const int8_t* w = panels + (size_t)p * 16 * k;
    for (int t = 0; t < m; t += 4) {
      int32_t* o = out + (size_t)t * ldo + p * 16;
      switch (m - t) {
        case 1: panel_i8_tile<1>(x + t, w, k, o, ldo); break;
        case 2: panel_i8_tile<2>(x + t, w, k, o, ldo); break;
        case 3: panel_i8_tile<3>(x + t, w, k, o, ldo); break;
        default: panel_i8_tile<4>(x + t, w, k, o, ldo); break;
      }
    }
  }
}

I8Kernels make_neon_i8() {
  I8Kernels t = {dot_i8_neon, dot_f32_i8_neon, dot_i8_rows_neon, panel_i8_neon, nullptr, quantize_row_ref};
  if (has_neon_dot()) {
    t.dot_i8 = dot_i8_neon_dot;
    t.dot_i8_rows = dot_i8_rows_neon_dot;
  }
  if (has_neon_i8mm()) t.dot_i8_rows = dot_i8_rows_neon_i8mm;
  return t;
}

}  // namespace

const I8Kernels kNeonI8Kernels = make_neon_i8();

}  // namespace tn
