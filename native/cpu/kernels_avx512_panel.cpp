// AVX-512 panel tiles (zmm FMA) for 4+ activation rows: the AVX-512 table's `panel` kernels.
// Compiled with -mavx512f -mavx512bw -mavx512vl; runs only when dispatch.cpp saw AVX-512.
// Apart from kernels_avx512.cpp so tests/native can run it over a scalar model of its intrinsics.
#ifdef TN_AVX512_MODEL
#include TN_AVX512_MODEL  // tests/native: this file's code over a scalar model of its intrinsics
#else
#include <immintrin.h>
#endif
#include "kernels.h"

namespace tn {
namespace {

// Column col's 16 weights of the panel at p as f32 (elements of type D): f32 and f16 in row order;
// bf16 in panel_pos order (lane 2j row j, lane 2j + 1 row j + 8), which the tile undoes at its store.
template <int D>
inline __m512 widen_col(const void* p, size_t col) {
  if (D == TN_F32) return _mm512_loadu_ps((const float*)p + col * kPanelRows);
  const __m256i h = _mm256_loadu_si256((const __m256i*)((const uint16_t*)p + col * kPanelRows));
  if (D == TN_F16) return _mm512_cvtph_ps(h);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

// MR activation rows x S panels side by side (the second `stride` elements after the first): per
// column, each panel is widened once, each row's activation broadcast once, and S * MR FMAs run
// (S * MR <= 24 accumulators + S weights + a broadcast: the 32 zmm).  Each output is one FMA chain
// over k in order, as the AVX2 tiles of 4+ rows.  Prefetches once per cache line of each panel.
template <int D, int MR, int S>
void zmm_tile(const float* x, int ldx, const void* p, size_t stride, int k, float* out, int ldo, PanelFetch fetch,
              __m512i bf16_rows) {
  constexpr size_t eb = D == TN_F32 ? 4 : 2;
  __m512 c[S][MR];
#pragma GCC unroll 2
  for (int s = 0; s < S; s++)
#pragma GCC unroll 12
    for (int t = 0; t < MR; t++) c[s][t] = _mm512_setzero_ps();
  for (int i = 0; i < k; i++) {
    __m512 w[S];
#pragma GCC unroll 2
    for (int s = 0; s < S; s++) {
      const char* ps = (const char*)p + s * stride * eb;
      if (eb == 4 || (i & 1) == 0)
        prefetch_panel(prefetch_addr(ps + (size_t)i * kPanelRows * eb, kPanelPrefetchBytes / S), fetch);
      w[s] = widen_col<D>(ps, (size_t)i);
    }
#pragma GCC unroll 12
    for (int t = 0; t < MR; t++) {
      const __m512 a = _mm512_set1_ps(x[(size_t)t * ldx + i]);
#pragma GCC unroll 2
      for (int s = 0; s < S; s++) c[s][t] = _mm512_fmadd_ps(a, w[s], c[s][t]);
    }
  }
#pragma GCC unroll 2
  for (int s = 0; s < S; s++)
#pragma GCC unroll 12
    for (int t = 0; t < MR; t++) {
      const __m512 v = D == TN_BF16 ? _mm512_permutexvar_ps(bf16_rows, c[s][t]) : c[s][t];
      _mm512_storeu_ps(out + (size_t)t * ldo + s * kPanelRows, v);
    }
}

// The panels in tiles of up to 12 rows x 2 panels (for_each_panel_tile).
template <int D>
void panel_zmm(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo) {
  alignas(64) int32_t rows[kPanelRows];  // out lane c <- accumulator lane panel_pos(c) (bf16)
  for (int c = 0; c < kPanelRows; c++) rows[c] = panel_pos(D, c);
  const __m512i order = _mm512_load_si512(rows);
  constexpr size_t eb = D == TN_F32 ? 4 : 2;
  const size_t stride = (size_t)kPanelRows * k;
  for_each_panel_tile(m, np, [&](int p, int t, auto tile_rows, auto panels, PanelFetch f) {
    zmm_tile<D, tile_rows(), panels()>(x + (size_t)t * ldx, ldx, (const char*)w + p * stride * eb, stride, k,
                                       out + (size_t)t * ldo + (size_t)p * kPanelRows, ldo, f, order);
  });
}

}  // namespace

void panel_avx512_zmm_f32(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo) {
  panel_zmm<TN_F32>(x, ldx, m, w, k, np, out, ldo);
}
void panel_avx512_zmm_f16(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo) {
  panel_zmm<TN_F16>(x, ldx, m, w, k, np, out, ldo);
}
void panel_avx512_zmm_bf16(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo) {
  panel_zmm<TN_BF16>(x, ldx, m, w, k, np, out, ldo);
}

}  // namespace tn
