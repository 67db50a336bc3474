// AVX512-BF16 bodies (vdpbf16ps).  Compiled with -mavx512f -mavx512bw -mavx512bf16; runs only
// when dispatch.cpp saw avx512bf16 (and the AVX-512 table is active): the peak probe of `bench`,
// and the bf16 panel kernel for activations that are bf16 values (bf16 mode, 4+ rows).
#ifdef TN_AVX512_MODEL
#include TN_AVX512_MODEL  // tests/native: this file's code over a scalar model of its intrinsics
#else
#include <immintrin.h>
#endif
#include "kernels.h"

namespace tn {

// 12 independent vdpbf16ps chains; each does 16 lanes x 2 products x 2 FLOPs per round.
double bf16_dot_peak_loop(long iters) {
  __m512 acc[12];
  for (int j = 0; j < 12; j++) acc[j] = _mm512_setzero_ps();
  const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80);  // bf16 1.0
  const __m512bh b = (__m512bh)_mm512_set1_epi16(0x3380);  // bf16 ~6e-8
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
    for (int j = 0; j < 12; j++) acc[j] = _mm512_dpbf16_ps(acc[j], a, b);
  }
  __m512 s = acc[0];
  for (int j = 1; j < 12; j++) s = _mm512_add_ps(s, acc[j]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return 64.0 * 12 * (double)iters;
}

namespace {

// vpermw indices that turn two consecutive columns of a bf16 panel (words 0-15: column i in
// panel_pos order, words 16-31: column i + 1) into the operand vdpbf16ps wants: lane r =
// (row r of column i, row r of column i + 1).  Lane r of every product is then panel row r.
__m512i pair_index() {
  alignas(64) uint16_t idx[32];
  for (int r = 0; r < kPanelRows; r++) {
    idx[2 * r] = (uint16_t)panel_pos(TN_BF16, r);
    idx[2 * r + 1] = (uint16_t)(kPanelRows + panel_pos(TN_BF16, r));
  }
  return _mm512_load_si512(idx);
}

// A row group's prefetch: `ahead` bytes past the column, as PanelFetch says.
struct GroupFetch {
  PanelFetch f;
  size_t ahead;
  void operator()(const void* col) const { prefetch_panel(prefetch_addr(col, ahead), f); }
};
// A stream's prefetch: hint H (TN_PREFETCH_*) `ahead` bytes past the column.
template <int H>
struct HintFetch {
  size_t ahead;
  void operator()(const void* col) const { prefetch_hint<H>(prefetch_addr(col, ahead)); }
};

// MR activation rows x S panels side by side: per pair of columns, each panel is loaded once
// (64 bytes) and permuted into pairs, each row's pair of activations is broadcast once, and
// S * MR vdpbf16ps accumulate (S * MR <= 24 accumulators + S weights + a broadcast: the 32 zmm).
// Each output is one vdpbf16ps chain over the pairs in order, whatever MR and S, so a row's result
// does not depend on the rows or panels beside it.  fetch (GroupFetch or HintFetch) runs on every
// panel's current pair of columns and changes no result.
// xb: activation row t's bf16 pairs at xb + t * ldxb (the last pair's high half 0 for odd k).
template <int MR, int S, typename Fetch>
void dp_tile(const uint32_t* xb, int ldxb, const uint16_t* p, size_t stride, int k, __m512i idx, float* out,
             int ldo, Fetch fetch) {
  __m512 c[S][MR];
#pragma GCC unroll 2
  for (int s = 0; s < S; s++)
#pragma GCC unroll 12
    for (int t = 0; t < MR; t++) c[s][t] = _mm512_setzero_ps();
  // the S panels' column pair q (in pairs) times every row's activation pair q
  auto step = [&](const __m512bh* wv, int q) {
#pragma GCC unroll 12
    for (int t = 0; t < MR; t++) {
      const __m512bh a = (__m512bh)_mm512_set1_epi32((int)xb[(size_t)t * ldxb + q]);
#pragma GCC unroll 2
      for (int s = 0; s < S; s++) c[s][t] = _mm512_dpbf16_ps(c[s][t], wv[s], a);
    }
  };
  const int kp = k / 2;
  for (int q = 0; q < kp; q++) {
    __m512bh wv[S];
#pragma GCC unroll 2
    for (int s = 0; s < S; s++) {
      const uint16_t* col = p + s * stride + (size_t)q * 2 * kPanelRows;
      fetch(col);
      wv[s] = (__m512bh)_mm512_permutexvar_epi16(idx, _mm512_loadu_si512(col));
    }
    step(wv, q);
  }
  if (k & 1) {  // the last column alone: its words 16-31 zero, so each lane pairs it with 0
    __m512bh wv[S];
#pragma GCC unroll 2
    for (int s = 0; s < S; s++) {
      const __m256i col = _mm256_loadu_si256((const __m256i*)(p + s * stride + (size_t)(k - 1) * kPanelRows));
      wv[s] = (__m512bh)_mm512_permutexvar_epi16(idx, _mm512_zextsi256_si512(col));
    }
    step(wv, kp);
  }
#pragma GCC unroll 2
  for (int s = 0; s < S; s++)
#pragma GCC unroll 12
    for (int t = 0; t < MR; t++) _mm512_storeu_ps(out + (size_t)t * ldo + s * kPanelRows, c[s][t]);
}

}  // namespace

// The panels in tiles of up to 12 rows x 2 panels (for_each_panel_tile).
void panel_bf16dp_avx512(const uint32_t* xb, int ldxb, int m, const void* w, int k, int np, float* out,
                         int ldo) {
  const __m512i idx = pair_index();
  const size_t stride = (size_t)kPanelRows * k;
  const uint16_t* pw = (const uint16_t*)w;
  for_each_panel_tile(m, np, [&](int p, int t, auto rows, auto panels, PanelFetch f) {
    dp_tile<rows(), panels()>(xb + (size_t)t * ldxb, ldxb, pw + p * stride, stride, k, idx,
                              out + (size_t)t * ldo + (size_t)p * kPanelRows, ldo,
                              GroupFetch{f, kPanelPrefetchBytes / panels()});
  });
}

// 1-3 rows with the streams of a tn_stream_choice (more rows: panel_bf16dp_avx512): `streams` panels
// side by side (2: pairs, then the odd one; 1: one at a time), each prefetched with the choice's
// hint, its distance split among the panels read together.  The same bits as panel_bf16dp_avx512.
void panel_bf16dp_stream_avx512(const uint32_t* xb, int ldxb, int m, const void* w, int k, int np, float* out,
                                int ldo, const tn_stream_choice& c) {
  if (m > kStreamMaxRows) {
    panel_bf16dp_avx512(xb, ldxb, m, w, k, np, out, ldo);
    return;
  }
  const __m512i idx = pair_index();
  const size_t stride = (size_t)kPanelRows * k, bytes = (size_t)c.prefetch_bytes;
  const uint16_t* pw = (const uint16_t*)w;
  with_prefetch_hint(c.prefetch, [&](auto h) {
    with_tile_rows(m, [&](auto rows) {
      int p = 0;
      if (c.streams >= 2)
        for (; p + 2 <= np; p += 2)
          dp_tile<rows(), 2>(xb, ldxb, pw + p * stride, stride, k, idx, out + (size_t)p * kPanelRows, ldo,
                             HintFetch<h()>{bytes / 2});
      for (; p < np; p++)
        dp_tile<rows(), 1>(xb, ldxb, pw + p * stride, stride, k, idx, out + (size_t)p * kPanelRows, ldo,
                           HintFetch<h()>{bytes});
    });
  });
}

}  // namespace tn
