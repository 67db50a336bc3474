// AVX512-VNNI body of the int8 panel kernel (vpdpwssd: int16 pairs multiplied and added into
// int32 in one instruction, where AVX2 needs vpmaddwd + vpaddd).  Compiled with -mavx512f
// -mavx512bw -mavx512vnni; runs only when dispatch.cpp saw avx512vnni (kernels_i8_avx512.cpp).
#ifdef TN_AVX512_MODEL
#include TN_AVX512_MODEL  // tests/native: this file's code over a scalar model of its intrinsics
#else
#include <immintrin.h>
#endif
#include <string.h>

#include "kernels.h"

namespace tn {
namespace {

// MR activation rows x S panels side by side: per column pair, a panel's 32 bytes sign-extend into
// one zmm of 16 int16 pairs (lane c: row c's weights of the two columns, panel_i8_pos), each row's
// activation pair is broadcast once, and vpdpwssd adds both products into lane c: S * MR int32
// accumulators (<= 24 + S weights + a broadcast: the 32 zmm).  Exact, as the AVX2 tile.
template <int MR, int S>
void vnni_tile(const int16_t* const* x, const int8_t* p, size_t stride, int k, int32_t* out, size_t ldo,
               PanelFetch fetch) {
  __m512i c[S][MR];
#pragma GCC unroll 2
  for (int s = 0; s < S; s++)
#pragma GCC unroll 12
    for (int t = 0; t < MR; t++) c[s][t] = _mm512_setzero_si512();
  for (int i = 0; i < k; i += 2) {
    __m512i wv[S];
#pragma GCC unroll 2
    for (int s = 0; s < S; s++) {
      const int8_t* q = p + s * stride + (size_t)i * 16;
      prefetch_panel(prefetch_addr(q, kPanelPrefetchBytes / S), fetch);
      wv[s] = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i*)q));
    }
#pragma GCC unroll 12
    for (int t = 0; t < MR; t++) {
      int32_t pair;
      memcpy(&pair, x[t] + i, sizeof pair);
      const __m512i xb = _mm512_set1_epi32(pair);
#pragma GCC unroll 2
      for (int s = 0; s < S; s++) c[s][t] = _mm512_dpwssd_epi32(c[s][t], wv[s], xb);
    }
  }
#pragma GCC unroll 2
  for (int s = 0; s < S; s++)
#pragma GCC unroll 12
    for (int t = 0; t < MR; t++) _mm512_storeu_si512((void*)(out + (size_t)t * ldo + 16 * s), c[s][t]);
}

}  // namespace

// The panels in tiles of up to 12 rows x 2 panels (for_each_panel_tile).
void panel_i8_avx512vnni(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out,
                         size_t ldo) {
  const size_t stride = (size_t)16 * k;
  for_each_panel_tile(m, np, [&](int p, int t, auto rows, auto pair, PanelFetch f) {
    vnni_tile<rows(), pair()>(x + t, panels + p * stride, stride, k, out + (size_t)t * ldo + (size_t)p * 16, ldo, f);
  });
}

}  // namespace tn
