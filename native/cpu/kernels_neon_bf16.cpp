// Armv8.6 BF16 bodies (bfdot: each f32 lane adds the two products of a bf16 pair).  Compiled with
// +bf16; runs only where HWCAP2 reports BF16: the peak probe of `bench`, and the bf16 panel kernel
// for activations that are bf16 values (bf16 mode, 4+ rows).
#include <arm_neon.h>

#include "kernels.h"

namespace tn {

// 16 independent bfdot chains; each does 4 lanes x 2 products x 2 FLOPs per round.
double bfdot_peak_loop(long iters) {
  float32x4_t acc[16];
  for (int j = 0; j < 16; j++) acc[j] = vdupq_n_f32(0.f);
  // read through volatiles: GCC would fold the constants into an fp16 fmov, which +bf16 lacks
  volatile uint16_t one = 0x3f80, tiny = 0x3380;  // bf16 1.0, ~6e-8
  const bfloat16x8_t a = vreinterpretq_bf16_u16(vdupq_n_u16(one));
  const bfloat16x8_t b = vreinterpretq_bf16_u16(vdupq_n_u16(tiny));
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) acc[j] = vbfdotq_f32(acc[j], a, b);
  }
  volatile float sink = 0.f;  // keeps the chains live
  for (int j = 0; j < 16; j++) sink = sink + vaddvq_f32(acc[j]);
  return 16.0 * 16 * (double)iters;
}

namespace {

// G activation rows over one bf16 panel.  A panel row i holds column c at element panel_pos(c)
// (columns c and c + 8 share a 32-bit lane); zipping rows 2q and 2q + 1 element by element turns
// each lane into one column's (k = 2q, 2q + 1) pair, which is what bfdot multiplies with the
// activation pair q.  The accumulators therefore hold the columns in panel_pos order.
template <int G>
void panel_dp_tile(const uint32_t* xb, int ldxb, const uint16_t* panel, int k, float* out, int ldo, PanelFetch f) {
  float32x4_t acc[G][4];
  for (int t = 0; t < G; t++)
    for (int j = 0; j < 4; j++) acc[t][j] = vdupq_n_f32(0.f);
  const uint16x8_t zero = vdupq_n_u16(0);
  for (int q = 0; 2 * q < k; q++) {
    const uint16_t* a = panel + (size_t)2 * q * kPanelRows;
    prefetch_panel(prefetch_addr(a, kPanelPrefetchBytes), f);
    const bool pair = 2 * q + 1 < k;
    const uint16x8_t alo = vld1q_u16(a), ahi = vld1q_u16(a + 8);
    const uint16x8_t blo = pair ? vld1q_u16(a + kPanelRows) : zero, bhi = pair ? vld1q_u16(a + kPanelRows + 8) : zero;
    const bfloat16x8_t wv[4] = {vreinterpretq_bf16_u16(vzip1q_u16(alo, blo)),
                                vreinterpretq_bf16_u16(vzip2q_u16(alo, blo)),
                                vreinterpretq_bf16_u16(vzip1q_u16(ahi, bhi)),
                                vreinterpretq_bf16_u16(vzip2q_u16(ahi, bhi))};
    for (int t = 0; t < G; t++) {
      const bfloat16x8_t xv = vreinterpretq_bf16_u32(vdupq_n_u32(xb[(size_t)t * ldxb + q]));
      for (int j = 0; j < 4; j++) acc[t][j] = vbfdotq_f32(acc[t][j], wv[j], xv);
    }
  }
  for (int t = 0; t < G; t++) {
    float o[kPanelRows];
    for (int j = 0; j < 4; j++) vst1q_f32(o + 4 * j, acc[t][j]);
    for (int c = 0; c < kPanelRows; c++) out[(size_t)t * ldo + c] = o[panel_pos(TN_BF16, c)];
  }
}

}  // namespace

void panel_bf16dp_neon(const uint32_t* xb, int ldxb, int m, const void* w, int k, int np, float* out, int ldo) {
  for_each_panel_group(m, np, [&](int p, int t, auto rows, PanelFetch f) {
    panel_dp_tile<rows.value>(xb + (size_t)t * ldxb, ldxb, (const uint16_t*)w + (size_t)p * k * kPanelRows, k,
                              out + (size_t)t * ldo + p * kPanelRows, ldo, f);
  });
}

}  // namespace tn
