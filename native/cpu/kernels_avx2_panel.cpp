// AVX2 panel kernels (kernels.h's PanelFn): activation rows times weights in tn_pack_panels'
// layout, for every row count; the AVX-512 table uses them for 1-3 rows too.  Compiled with
// -mavx2 -mfma -mf16c; runs only when dispatch.cpp saw those features.
#include <immintrin.h>
#include <math.h>
#include "kernels.h"

namespace tn {
namespace {

#include "avx2_common.inc"

// A row group's prefetch: `ahead` bytes past the column, as PanelFetch says.
struct GroupFetch {
  PanelFetch f;
  size_t ahead;
  void operator()(const char* col) const { prefetch_panel(prefetch_addr(col, ahead), f); }
};
// A stream's prefetch: hint H (TN_PREFETCH_*) `ahead` bytes past the column.
template <int H>
struct HintFetch {
  size_t ahead;
  void operator()(const char* col) const { prefetch_hint<H>(prefetch_addr(col, ahead)); }
};

// MR activation rows x S panels side by side (the second panel_stride elements after the first):
// per column i of the panels, each activation is broadcast once and multiplied into both halves
// of every panel (outer product, 2 * MR FMAs per panel per 32-byte bf16 load).  Each output is one
// FMA chain over k in order, whatever MR and S (as the AVX-512 zmm tiles): a row's result is then
// the same whether it runs alone or among other rows (batch invariance, which prefix caching
// needs: skipping a cached prefix changes how many rows a step, or an expert, has;
// decisions.md: panel-one-chain).  Each iteration calls fetch on every panel's current column
// (GroupFetch or HintFetch: the prefetch changes no result).
template <int D, int MR, int S, typename Fetch>
void panel_tile(const float* x, int ldx, const void* p, size_t panel_stride, int k, float* out, int ldo,
                Fetch fetch) {
  const size_t eb = (size_t)kDTypes[D].elem_bytes;
  __m256 c[S][MR][2];
#pragma GCC unroll 2
  for (int s = 0; s < S; s++)
#pragma GCC unroll 8
    for (int t = 0; t < MR; t++) c[s][t][0] = c[s][t][1] = _mm256_setzero_ps();
  for (int i = 0; i < k; i++) {
#pragma GCC unroll 2
    for (int s = 0; s < S; s++) fetch((const char*)p + (s * panel_stride + (size_t)i * kPanelRows) * eb);
#pragma GCC unroll 2
    for (int s = 0; s < S; s++) {
      __m256 b[2];  // column i's 16 weights: f32 / f16 in order, bf16 columns c and c + 8 per lane
      widen16<D>((const char*)p + s * panel_stride * eb, i * kPanelRows, b);
      // Two panels of 3+ rows: GCC would keep the MR broadcasts of the first panel for the
      // second, which with 2 * S * MR accumulators and 2 weight halves passes the 16 ymm and
      // spills an accumulator (a store-to-load chain each column); an opaque copy of x makes it
      // broadcast again, loads being cheap (decisions.md: two-panel-rebroadcast).
      const float* xs = x;
      if (S > 1 && MR >= 3) __asm__ volatile("" : "+r"(xs));
#pragma GCC unroll 8
      for (int t = 0; t < MR; t++) {
        const __m256 a = _mm256_broadcast_ss(xs + (size_t)t * ldx + i);
        c[s][t][0] = _mm256_fmadd_ps(a, b[0], c[s][t][0]);
        c[s][t][1] = _mm256_fmadd_ps(a, b[1], c[s][t][1]);
      }
    }
  }
#pragma GCC unroll 2
  for (int s = 0; s < S; s++)
#pragma GCC unroll 8
    for (int t = 0; t < MR; t++) {
      float* o = out + (size_t)t * ldo + s * kPanelRows;
      _mm256_storeu_ps(o, c[s][t][0]);
      _mm256_storeu_ps(o + 8, c[s][t][1]);
    }
}

// 1-3 rows (memory-bound): `streams` panels side by side (2: two panels at a time, then the odd
// one; 1: one at a time), each prefetched with hint H, `bytes` ahead per thread split among the
// panels read together (a panel's sums do not depend on whether it was paired).
template <int D, int MR, int H>
void panel_streams(const float* x, int ldx, const void* w, int k, int np, float* out, int ldo, int streams,
                   size_t bytes) {
  const size_t stride = (size_t)kPanelRows * k, eb = (size_t)kDTypes[D].elem_bytes;
  int p = 0;
  if (streams >= 2)
    for (; p + 2 <= np; p += 2)
      panel_tile<D, MR, 2>(x, ldx, (const char*)w + p * stride * eb, stride, k, out + p * kPanelRows, ldo,
                              HintFetch<H>{bytes / 2});
  for (; p < np; p++)
    panel_tile<D, MR, 1>(x, ldx, (const char*)w + p * stride * eb, stride, k, out + p * kPanelRows, ldo,
                            HintFetch<H>{bytes});
}

// kDefaultStream's streams (non-temporal, kPanelPrefetchBytes, two panels side by side).
template <int D, int MR>
void panel_pairs(const float* x, int ldx, const void* w, int k, int np, float* out, int ldo) {
  panel_streams<D, MR, TN_PREFETCH_NTA>(x, ldx, w, k, np, out, ldo, 2, kPanelPrefetchBytes);
}

// 1-3 rows (memory-bound) read two panels side by side: two sequential weight streams per thread
// keep more reads in flight than one (see gemv_stream_m).  4+ rows (compute-bound) run each panel
// over the rows in groups of 6 (12 accumulators + 2 weight halves + 1 broadcast: the 16 ymm), the
// last groups 4 + 3 where 6 + 1 would leave a lone row.  The panels beat the dot-form tiles from
// one row and the per-call packed GEMM at every row count (decisions.md: panel-group,
// panel-vs-gemm).
template <int D>
void panel_avx2(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo) {
  switch (m) {
    case 1: panel_pairs<D, 1>(x, ldx, w, k, np, out, ldo); return;
    case 2: panel_pairs<D, 2>(x, ldx, w, k, np, out, ldo); return;
    case 3: panel_pairs<D, 3>(x, ldx, w, k, np, out, ldo); return;
    default: break;
  }
  const size_t stride = (size_t)kPanelRows * k, eb = (size_t)kDTypes[D].elem_bytes;
  for (int p = 0; p < np; p++) {
    const void* pw = (const char*)w + p * stride * eb;
    for (int t = 0; t < m;) {
      const int g = panel_group(m - t);
      const float* xt = x + (size_t)t * ldx;
      float* o = out + (size_t)t * ldo + p * kPanelRows;
      const GroupFetch f{panel_fetch(t, g, m), kPanelPrefetchBytes};
      switch (g) {  // never a lone row: 7 goes 4 + 3
        case 2: panel_tile<D, 2, 1>(xt, ldx, pw, stride, k, o, ldo, f); break;
        case 3: panel_tile<D, 3, 1>(xt, ldx, pw, stride, k, o, ldo, f); break;
        case 4: panel_tile<D, 4, 1>(xt, ldx, pw, stride, k, o, ldo, f); break;
        case 5: panel_tile<D, 5, 1>(xt, ldx, pw, stride, k, o, ldo, f); break;
        default: panel_tile<D, 6, 1>(xt, ldx, pw, stride, k, o, ldo, f); break;
      }
      t += g;
    }
  }
}

// panel_avx2 for 1-3 rows with the streams of a tn_stream_choice (more rows: panel_avx2).
template <int D>
void panel_stream_avx2(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo,
                       const tn_stream_choice& c) {
  if (m > kStreamMaxRows) {
    panel_avx2<D>(x, ldx, m, w, k, np, out, ldo);
    return;
  }
  const size_t bytes = (size_t)c.prefetch_bytes;
  with_prefetch_hint(c.prefetch, [&](auto h) {
    if (m == 1) panel_streams<D, 1, h()>(x, ldx, w, k, np, out, ldo, c.streams, bytes);
    else if (m == 2) panel_streams<D, 2, h()>(x, ldx, w, k, np, out, ldo, c.streams, bytes);
    else panel_streams<D, 3, h()>(x, ldx, w, k, np, out, ldo, c.streams, bytes);
  });
}

}  // namespace

void panel_stream_avx2_f32(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo,
                          const tn_stream_choice& c) {
  panel_stream_avx2<TN_F32>(x, ldx, m, w, k, np, out, ldo, c);
}
void panel_stream_avx2_f16(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo,
                          const tn_stream_choice& c) {
  panel_stream_avx2<TN_F16>(x, ldx, m, w, k, np, out, ldo, c);
}
void panel_stream_avx2_bf16(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo,
                           const tn_stream_choice& c) {
  panel_stream_avx2<TN_BF16>(x, ldx, m, w, k, np, out, ldo, c);
}

void panel_avx2_f32(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo) {
  panel_avx2<TN_F32>(x, ldx, m, w, k, np, out, ldo);
}
void panel_avx2_f16(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo) {
  panel_avx2<TN_F16>(x, ldx, m, w, k, np, out, ldo);
}
void panel_avx2_bf16(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo) {
  panel_avx2<TN_BF16>(x, ldx, m, w, k, np, out, ldo);
}

}  // namespace tn
