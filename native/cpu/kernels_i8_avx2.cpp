// AVX2 int8 bodies: sign-extend to 16 bits, vpmaddwd pairs into int32 (exact).
#include <immintrin.h>
#include <string.h>
#include "kernels.h"
#include "quantize.h"

namespace tn {
namespace {

inline int32_t hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// b is the weight row: its successors follow in memory (a row-by-row stream), so fetch 1 KB ahead
// as the bf16 stream does; two accumulators per 32 elements.
int32_t dot_i8_avx2(const int8_t* a, const int8_t* b, int n) {
  __m256i acc = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    _mm_prefetch((const char*)b + i + 1024, _MM_HINT_T0);
    __m256i va = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(a + i)));
    __m256i vb = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(b + i)));
    __m256i va1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(a + i + 16)));
    __m256i vb1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(b + i + 16)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(va, vb));
    acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(va1, vb1));
  }
  for (; i + 16 <= n; i += 16) {
    __m256i va = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(a + i)));
    __m256i vb = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(b + i)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(va, vb));
  }
  int32_t s = hsum_epi32(_mm256_add_epi32(acc, acc1));
  for (; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
  return s;
}

float dot_f32_i8_avx2(const float* x, const int8_t* w, int n) {
  __m256 acc = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 vw = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)(w + i))));
    acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), vw, acc);
  }
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  lo = _mm_hadd_ps(lo, lo);
  lo = _mm_hadd_ps(lo, lo);
  float s = _mm_cvtss_f32(lo);
  for (; i < n; i++) s += x[i] * (float)w[i];
  return s;
}

// Weight rows wr[0..R) x M activation rows from element i on: each 16-element chunk of a row is
// sign-extended once and multiplied (vpmaddwd) with every activation row's chunk into acc (R * M
// int32 accumulators, R + 2 more registers, within the 16 ymm), then the scalar tail; writes
// out[r][t * ldo].  One dot_i8 per (row, activation) widened the weight chunk M times and paid a
// horizontal sum per pair.
template <int R, int M>
inline void dot_i8_widen_rest(const int8_t* const* x, const int8_t* const* wr, int k, int i, __m256i (&acc)[R][M],
                              int32_t* const* out, size_t ldo) {
  for (; i + 16 <= k; i += 16) {
    __m256i wv[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) wv[r] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(wr[r] + i)));
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) {
      const __m256i xv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(x[t] + i)));
#pragma GCC unroll 16
      for (int r = 0; r < R; r++) acc[r][t] = _mm256_add_epi32(acc[r][t], _mm256_madd_epi16(wv[r], xv));
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) {
      int32_t v = hsum_epi32(acc[r][t]);
      for (int j = i; j < k; j++) v += (int32_t)x[t][j] * (int32_t)wr[r][j];
      out[r][(size_t)t * ldo] = v;
    }
}

template <int R, int M>
inline void dot_i8_zero(__m256i (&acc)[R][M]) {
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) acc[r][t] = _mm256_setzero_si256();
}

// R consecutive weight rows (stride ldw) x M activation rows: out[t * ldo + r].
template <int R, int M>
void dot_i8_tile(const int8_t* const* x, const int8_t* w, size_t ldw, int k, int32_t* out, size_t ldo) {
  const int8_t* wr[R];
  int32_t* o[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    wr[r] = w + (size_t)r * ldw;
    o[r] = out + r;
  }
  __m256i acc[R][M];
  dot_i8_zero(acc);
  dot_i8_widen_rest<R, M>(x, wr, k, 0, acc, o, ldo);
}

// M activation rows over all rows in tiles of R = 4 (M <= 2), 3 (M = 3) or 2 (M = 4), then single rows.
template <int M>
void dot_i8_rows_m(const int8_t* const* x, const int8_t* w, size_t ldw, int rows, int k, int32_t* out, size_t ldo) {
  constexpr int R = M <= 2 ? 4 : M == 3 ? 3 : 2;
  int r = 0;
  for (; r + R <= rows; r += R) dot_i8_tile<R, M>(x, w + (size_t)r * ldw, ldw, k, out + r, ldo);
  for (; r < rows; r++) dot_i8_tile<1, M>(x, w + (size_t)r * ldw, ldw, k, out + r, ldo);
}

// M = 1 or 2 activation rows over `rows` weight rows read as two streams side by side (row r
// with row r + rows / 2; the odd row left over alone), each prefetched 1 KB ahead: the bf16
// gemv's finding (two sequential streams per thread read more than one) holds for int8 rows too.
template <int S, int M>
void dot_i8_streams(const int8_t* const* x, const int8_t* const* wr, int k, int32_t* const* out, size_t ldo) {
  __m256i acc[S][M];
  dot_i8_zero(acc);
  // 32 products per instruction without VNNI: |w| (unsigned, 128 for -128) times x with w's sign
  // (vpsignb; x is in [-127, 127] from quantize_row, so negating it never wraps), pairs summed to
  // int16 by vpmaddubsw (at most 2 * 128 * 127, no saturation), then to int32 against ones.
  // Exact for every int8 weight, so the same bits as the widening loop (tails).
  const __m256i ones = _mm256_set1_epi16(1);
  int i = 0;
  for (; i + 32 <= k; i += 32) {
    __m256i wv[S], aw[S];
#pragma GCC unroll 4
    for (int s = 0; s < S; s++) {
      if ((i & 63) == 0) _mm_prefetch((const char*)wr[s] + i + 1024, _MM_HINT_T0);
      wv[s] = _mm256_loadu_si256((const __m256i*)(wr[s] + i));
      aw[s] = _mm256_abs_epi8(wv[s]);
    }
#pragma GCC unroll 4
    for (int t = 0; t < M; t++) {
      const __m256i xv = _mm256_loadu_si256((const __m256i*)(x[t] + i));
#pragma GCC unroll 4
      for (int s = 0; s < S; s++)
        acc[s][t] = _mm256_add_epi32(
            acc[s][t], _mm256_madd_epi16(_mm256_maddubs_epi16(aw[s], _mm256_sign_epi8(xv, wv[s])), ones));
    }
  }
  dot_i8_widen_rest<S, M>(x, wr, k, i, acc, out, ldo);
}

template <int M>
void dot_i8_rows_stream(const int8_t* const* x, const int8_t* w, size_t ldw, int rows, int k, int32_t* out,
                        size_t ldo) {
  const int q = rows / 2;
  for (int r = 0; r < q; r++) {
    const int8_t* wr[2] = {w + (size_t)r * ldw, w + (size_t)(r + q) * ldw};
    int32_t* o[2] = {out + r, out + r + q};
    dot_i8_streams<2, M>(x, wr, k, o, ldo);
  }
  if (rows & 1) {
    const int8_t* wr[1] = {w + (size_t)(rows - 1) * ldw};
    int32_t* o[1] = {out + rows - 1};
    dot_i8_streams<1, M>(x, wr, k, o, ldo);
  }
}

// One or two activation rows: dot_i8_rows_stream.  More: groups of 4 or 3 (2 and 1 only as
// remainders: 5 = 3 + 2, 7 = 4 + 3, ...), blocks of 16 rows at a time so a block's activations stay
// in L1 while the weight rows pass.
void dot_i8_rows_avx2(const int8_t* const* x, int m, const int8_t* w, size_t ldw, int rows, int k, int32_t* out,
                      size_t ldo) {
  if (m <= 2) {  // decode: memory-bound, the two-stream reads
    if (m == 1) dot_i8_rows_stream<1>(x, w, ldw, rows, k, out, ldo);
    else dot_i8_rows_stream<2>(x, w, ldw, rows, k, out, ldo);
    return;
  }
  constexpr int kActBlock = 16;
  for (int t0 = 0; t0 < m; t0 += kActBlock) {
    const int m1 = m - t0 < kActBlock ? m : t0 + kActBlock;
    for (int t = t0; t < m1;) {
      const int left = m1 - t;
      const int g = left % 3 == 0 || left == 5 ? 3 : left <= 2 ? left : 4;
      int32_t* ot = out + (size_t)t * ldo;
      switch (g) {
        case 1: dot_i8_rows_m<1>(x + t, w, ldw, rows, k, ot, ldo); break;
        case 2: dot_i8_rows_m<2>(x + t, w, ldw, rows, k, ot, ldo); break;
        case 3: dot_i8_rows_m<3>(x + t, w, ldw, rows, k, ot, ldo); break;
        default: dot_i8_rows_m<4>(x + t, w, ldw, rows, k, ot, ldo); break;
      }
      t += g;
    }
  }
}

// A row group's prefetch (PanelFetch) and a stream's (hint H), `ahead` bytes past the column pair.
struct GroupFetch {
  PanelFetch f;
  size_t ahead;
  void operator()(const void* col) const { prefetch_panel(prefetch_addr(col, ahead), f); }
};
template <int H>
struct HintFetch {
  size_t ahead;
  void operator()(const void* col) const { prefetch_hint<H>(prefetch_addr(col, ahead)); }
};

// MR activation rows x S panels side by side (the second `stride` bytes after the first): per
// column pair, the 32 weight bytes of a panel are sign-extended once to int16 (rows 0-7, 8-15)
// and each row's broadcast activation pair is multiplied in with vpmaddwd (16 products per
// instruction, exact): 2 * MR int32 accumulators per panel.  fetch prefetches as the float tiles do.
template <int MR, int S, typename Fetch>
void panel_i8_tile(const int16_t* const* x, const int8_t* p, size_t stride, int k, int32_t* out, size_t ldo,
                   Fetch fetch) {
  __m256i c[S][MR][2];
#pragma GCC unroll 2
  for (int s = 0; s < S; s++)
#pragma GCC unroll 8
    for (int t = 0; t < MR; t++) c[s][t][0] = c[s][t][1] = _mm256_setzero_si256();
  for (int i = 0; i < k; i += 2) {
#pragma GCC unroll 2
    for (int s = 0; s < S; s++) {
      const __m128i* q = (const __m128i*)(p + s * stride + (size_t)i * 16);
      fetch(q);
      const __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(q));
      const __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(q + 1));
#pragma GCC unroll 8
      for (int t = 0; t < MR; t++) {
        int32_t pair;
        memcpy(&pair, x[t] + i, sizeof pair);
        const __m256i xb = _mm256_set1_epi32(pair);
        c[s][t][0] = _mm256_add_epi32(c[s][t][0], _mm256_madd_epi16(w0, xb));
        c[s][t][1] = _mm256_add_epi32(c[s][t][1], _mm256_madd_epi16(w1, xb));
      }
    }
  }
#pragma GCC unroll 2
  for (int s = 0; s < S; s++)
#pragma GCC unroll 8
    for (int t = 0; t < MR; t++) {
      _mm256_storeu_si256((__m256i*)(out + (size_t)t * ldo + 16 * s), c[s][t][0]);
      _mm256_storeu_si256((__m256i*)(out + (size_t)t * ldo + 16 * s + 8), c[s][t][1]);
    }
}

// 1-2 rows (memory-bound): `streams` panels side by side (2: two at a time, then the odd one),
// prefetched with hint H, `bytes` ahead per thread split among the panels read together.
template <int MR, int H>
void panel_i8_streams(const int16_t* const* x, const int8_t* panels, int k, int np, int32_t* out, size_t ldo,
                      int streams, size_t bytes) {
  const size_t stride = (size_t)16 * k;
  int p = 0;
  if (streams >= 2)
    for (; p + 2 <= np; p += 2)
      panel_i8_tile<MR, 2>(x, panels + p * stride, stride, k, out + p * 16, ldo, HintFetch<H>{bytes / 2});
  for (; p < np; p++) panel_i8_tile<MR, 1>(x, panels + p * stride, stride, k, out + p * 16, ldo, HintFetch<H>{bytes});
}

}  // namespace

// 1-2 rows (memory-bound) read two panels side by side (two weight streams per thread, as the
// float panels: kDefaultStream); more rows run each panel over groups of up to 6 (12 accumulators
// + 2 weight halves + 1 broadcast), 7 as 4 + 3.
void panel_i8_avx2(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out, size_t ldo) {
  const size_t stride = (size_t)16 * k;
  if (m <= 2) {
    panel_i8_stream_avx2(x, m, panels, k, np, out, ldo, kDefaultStream);
    return;
  }
  for (int p = 0; p < np; p++) {
    const int8_t* pw = panels + p * stride;
    for (int t = 0; t < m;) {
      const int g = panel_group(m - t);
      int32_t* o = out + (size_t)t * ldo + p * 16;
      const GroupFetch f{panel_fetch(t, g, m), kPanelPrefetchBytes};
      switch (g) {  // never a lone row: 7 goes 4 + 3
        case 2: panel_i8_tile<2, 1>(x + t, pw, stride, k, o, ldo, f); break;
        case 3: panel_i8_tile<3, 1>(x + t, pw, stride, k, o, ldo, f); break;
        case 4: panel_i8_tile<4, 1>(x + t, pw, stride, k, o, ldo, f); break;
        case 5: panel_i8_tile<5, 1>(x + t, pw, stride, k, o, ldo, f); break;
        default: panel_i8_tile<6, 1>(x + t, pw, stride, k, o, ldo, f); break;
      }
      t += g;
    }
  }
}

void panel_i8_stream_avx2(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out,
                         size_t ldo, const tn_stream_choice& c) {
  if (m > 2) {
    panel_i8_avx2(x, m, panels, k, np, out, ldo);
    return;
  }
  const size_t bytes = (size_t)c.prefetch_bytes;
  with_prefetch_hint(c.prefetch, [&](auto h) {
    if (m == 1) panel_i8_streams<1, h()>(x, panels, k, np, out, ldo, c.streams, bytes);
    else panel_i8_streams<2, h()>(x, panels, k, np, out, ldo, c.streams, bytes);
  });
}

// quantize_row_ref 8 lanes at a time, the same IEEE operations in the same order: max of |x| (maxps
// keeps the running max when |x| is NaN, as the reference's compare does), s = amax / 127, and per
// element x / s, trunc, the exact fraction against +-0.5, clamp to +-127; the tail by the reference.
void quantize_row_avx2(const float* x, int k, int8_t* q, float* scale) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 vmax = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= k; i += 8) vmax = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + i), abs_mask), vmax);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, vmax);
  float amax = 0.f;
  for (int j = 0; j < 8; j++) amax = lanes[j] > amax ? lanes[j] : amax;
  for (; i < k; i++) {
    const float a = fabsf(x[i]);
    if (a > amax) amax = a;
  }
  const float s = amax / 127.f;
  *scale = s;
  if (s == 0.f) {
    memset(q, 0, (size_t)k);
    return;
  }
  const __m256 vs = _mm256_set1_ps(s), half = _mm256_set1_ps(0.5f), mhalf = _mm256_set1_ps(-0.5f),
               one = _mm256_set1_ps(1.f), hi = _mm256_set1_ps(127.f), lo = _mm256_set1_ps(-127.f);
  i = 0;
  for (; i + 32 <= k; i += 32) {
    __m256i v[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
      const __m256 d = _mm256_div_ps(_mm256_loadu_ps(x + i + 8 * j), vs);
      const __m256 t = _mm256_round_ps(d, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      const __m256 frac = _mm256_sub_ps(d, t);
      __m256 r = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, half, _CMP_GE_OQ), one));
      r = _mm256_sub_ps(r, _mm256_and_ps(_mm256_cmp_ps(frac, mhalf, _CMP_LE_OQ), one));
      v[j] = _mm256_cvttps_epi32(_mm256_max_ps(_mm256_min_ps(r, hi), lo));
    }
    // int32 -> int16 -> int8 with the 128-bit lanes interleaved by each pack, then put back in order
    const __m256i p16a = _mm256_packs_epi32(v[0], v[1]), p16b = _mm256_packs_epi32(v[2], v[3]);
    const __m256i p8 = _mm256_packs_epi16(p16a, p16b);
    _mm256_storeu_si256((__m256i*)(q + i),
                        _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  }
  for (; i < k; i++) q[i] = round_clamp_i8(x[i] / s);
}

const I8Kernels kAvx2I8Kernels = {dot_i8_avx2,         dot_f32_i8_avx2,   dot_i8_rows_avx2, panel_i8_avx2,
                                  panel_i8_stream_avx2, quantize_row_avx2};

}  // namespace tn
