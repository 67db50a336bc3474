// AVX2 + FMA + F16C bodies.  This file alone is compiled with -mavx2 -mfma -mf16c; it runs
// only when dispatch.cpp saw those features at run time.  bf16 and f16 weights are widened to
// f32 in registers (bf16: zero-extend and shift; f16: vcvtph2ps), products accumulate in f32.
#include <immintrin.h>
#include <math.h>
#include "kernels.h"
#include "probe_loops.h"

namespace tn {
namespace {

#include "avx2_common.inc"

template <int D>
float dot_avx2(const float* x, const void* w, int n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_fmadd_ps(load8(x + i), loadw<D>(w, i), a0);
    a1 = _mm256_fmadd_ps(load8(x + i + 8), loadw<D>(w, i + 8), a1);
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(load8(x + i), loadw<D>(w, i), a0);
  float s = hsum256(_mm256_add_ps(a0, a1));
  for (; i < n; i++) s += x[i] * load_elem(w, D, i);
  return s;
}

template <int D>
void axpy_avx2(float a, const void* x, float* y, int n) {
  __m256 va = _mm256_set1_ps(a);
  int i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, loadw<D>(x, i), _mm256_loadu_ps(y + i)));
  for (; i < n; i++) y[i] += a * load_elem(x, D, i);
}

#include "isa_common.inc"

template <int U, int R, int M>
inline void zero_acc(__m256 (&acc)[U][R][M]) {
#pragma GCC unroll 16
  for (int u = 0; u < U; u++)
#pragma GCC unroll 16
    for (int r = 0; r < R; r++)
#pragma GCC unroll 16
      for (int t = 0; t < M; t++) acc[u][r][t] = _mm256_setzero_ps();
}

// R weight rows x M activation rows; U independent accumulator sets (U = 2 when M = 1 so the
// FMA latency is hidden while streaming).  At most 4 * 2 + 4 + 1 live ymm registers.
template <int D, int R, int M>
void gemv_tile(const float* x, int ldx, const void* w, size_t ldw, int k, float* out, int ldo) {
  constexpr int U = M == 1 ? 2 : 1;
  __m256 acc[U][R][M];
  zero_acc(acc);
  const void* wr[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) wr[r] = wrow<D>(w, ldw, r);
  int i = 0;
  for (; i + 8 * U <= k; i += 8 * U) {
#pragma GCC unroll 16
    for (int u = 0; u < U; u++) {
      __m256 wv[R];
#pragma GCC unroll 16
      for (int r = 0; r < R; r++) wv[r] = loadw<D>(wr[r], i + 8 * u);
#pragma GCC unroll 16
      for (int t = 0; t < M; t++) {
        __m256 xv = load8(x + (size_t)t * ldx + i + 8 * u);
#pragma GCC unroll 16
        for (int r = 0; r < R; r++) acc[u][r][t] = _mm256_fmadd_ps(wv[r], xv, acc[u][r][t]);
      }
    }
  }
  for (; i + 8 <= k; i += 8) {
    __m256 wv[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) wv[r] = loadw<D>(wr[r], i);
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) {
      __m256 xv = load8(x + (size_t)t * ldx + i);
#pragma GCC unroll 16
      for (int r = 0; r < R; r++) acc[0][r][t] = _mm256_fmadd_ps(wv[r], xv, acc[0][r][t]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) {
      __m256 a = acc[0][r][t];
      if (U == 2) a = _mm256_add_ps(a, acc[U - 1][r][t]);
      float s = hsum256(a);
      const float* xt = x + (size_t)t * ldx;
      for (int j = i; j < k; j++) s += xt[j] * load_elem(wr[r], D, j);
      out[(size_t)t * ldo + r] = s;
    }
}

constexpr int kPrefetchRows = 16;

// bf16 weights, 16 per load: the 32-bit lane i holds elements 2i (low half) and 2i + 1 (high
// half), so a shift gives the even elements as f32 and a mask the odd ones, in-lane and without
// the cross-lane zero-extension; x arrives permuted to match (bf16_layout).  U = 2 accumulator
// sets (even / odd) when M = 1 to keep 8 FMA chains in flight.
template <int R, int M>
void gemv_tile_bf16(const float* x, int ldx, const void* w, size_t ldw, int k, float* out, int ldo) {
  constexpr int U = M == 1 ? 2 : 1;
  __m256 acc[U][R][M];
  zero_acc(acc);
  const uint16_t* wr[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) wr[r] = (const uint16_t*)w + (size_t)r * ldw;
  const __m256i hi_mask = _mm256_set1_epi32((int)0xffff0000u);
  // The rows of the next tiles follow this tile's rows in memory; each row is only k * 2 bytes,
  // too short a stream for the hardware prefetcher to ramp up, so fetch kPrefetchRows rows ahead.
  const size_t pf = (size_t)kPrefetchRows * ldw;
  int i = 0;
  for (; i + 16 <= k; i += 16) {
    __m256 we[R], wo[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      _mm_prefetch((const char*)(wr[r] + pf + i), _MM_HINT_T0);
      __m256i v = _mm256_loadu_si256((const __m256i*)(wr[r] + i));
      we[r] = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
      wo[r] = _mm256_castsi256_ps(_mm256_and_si256(v, hi_mask));
    }
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) {
      __m256 xe = load8(x + (size_t)t * ldx + i), xo = load8(x + (size_t)t * ldx + i + 8);
#pragma GCC unroll 16
      for (int r = 0; r < R; r++) {
        acc[0][r][t] = _mm256_fmadd_ps(we[r], xe, acc[0][r][t]);
        acc[U - 1][r][t] = _mm256_fmadd_ps(wo[r], xo, acc[U - 1][r][t]);
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) {
      __m256 a = acc[0][r][t];
      if (U == 2) a = _mm256_add_ps(a, acc[U - 1][r][t]);
      float s = hsum256(a);
      const float* xt = x + (size_t)t * ldx;
      for (int j = i; j < k; j++) s += xt[j] * bf16_to_f32(wr[r][j]);
      out[(size_t)t * ldo + r] = s;
    }
}

// Two or more activation rows are fed to the streaming kernel below only while they fit L1 (each
// weight row runs over all of them; one row always streams): past L1 every weight row reads x
// from L2 again (decisions.md: stream-max-act).
constexpr size_t kStreamMaxActBytes = 32 << 10;

// S weight rows (wr[0..S)) x M activation rows, row by row in dot-product form: each 16-weight
// block is widened once (two halves: bf16 in the bf16_layout order by shift / mask, f16 by F16C)
// and each half feeds all M rows.  U rounds of 16 per iteration keep 4 (M = 1) or 2 * M
// accumulators per weight row; a row's summation order depends on M only, never on S, so a
// row gives the same bits whichever stream group it falls in.
template <int D, int M, int S>
inline void stream_rows(const float* x, int ldx, const void* const* wr, int k, float* const* out, int ldo) {
  constexpr int U = M == 1 ? 2 : 1;
  __m256 a[S][M][2 * U];
#pragma GCC unroll 4
  for (int s = 0; s < S; s++)
#pragma GCC unroll 4
    for (int t = 0; t < M; t++)
#pragma GCC unroll 4
      for (int j = 0; j < 2 * U; j++) a[s][t][j] = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 * U <= k; i += 16 * U)
#pragma GCC unroll 2
    for (int u = 0; u < U; u++) {
      __m256 wv[S][2];
#pragma GCC unroll 4
      for (int s = 0; s < S; s++) widen16<D>(wr[s], i + 16 * u, wv[s]);
#pragma GCC unroll 2
      for (int h = 0; h < 2; h++)
#pragma GCC unroll 4
        for (int t = 0; t < M; t++) {
          const __m256 xv = load8(x + (size_t)t * ldx + i + 16 * u + 8 * h);
#pragma GCC unroll 4
          for (int s = 0; s < S; s++) a[s][t][2 * u + h] = _mm256_fmadd_ps(wv[s][h], xv, a[s][t][2 * u + h]);
        }
    }
  for (; i + 16 <= k; i += 16)
#pragma GCC unroll 4
    for (int s = 0; s < S; s++) {
      __m256 wv[2];
      widen16<D>(wr[s], i, wv);
#pragma GCC unroll 2
      for (int h = 0; h < 2; h++)
#pragma GCC unroll 4
        for (int t = 0; t < M; t++) a[s][t][h] = _mm256_fmadd_ps(wv[h], load8(x + (size_t)t * ldx + i + 8 * h), a[s][t][h]);
    }
#pragma GCC unroll 4
  for (int s = 0; s < S; s++)
#pragma GCC unroll 4
    for (int t = 0; t < M; t++) {
      __m256 v = a[s][t][0];
#pragma GCC unroll 4
      for (int j = 1; j < 2 * U; j++) v = _mm256_add_ps(v, a[s][t][j]);
      float sum = hsum256(v);
      const float* xt = x + (size_t)t * ldx;
      for (int j = i; j < k; j++) sum += xt[j] * load_elem(wr[s], D, j);  // the bf16 layout keeps tails in place
      out[s][(size_t)t * ldo] = sum;
    }
}

// M = 1..4 activation rows over `rows` consecutive weight rows: the block is cut in two halves
// read side by side (row r with row r + rows / 2), so each thread keeps two sequential weight
// streams in flight, where one stream leaves part of the bandwidth unused (decisions.md:
// gemv-two-streams); the odd row left over runs alone.  M = 4 keeps one stream (4 x 2
// accumulators per row already).
template <int D, int M>
void gemv_stream_m(const float* x, int ldx, const void* w, size_t ldw, int rows, int k, float* out, int ldo) {
  constexpr int S = M <= 3 ? 2 : 1;
  const int q = rows / S;
  for (int r = 0; r < q; r++) {
    const void* wr[S];
    float* o[S];
#pragma GCC unroll 2
    for (int s = 0; s < S; s++) {
      wr[s] = wrow<D>(w, ldw, r + s * q);
      o[s] = out + r + s * q;
    }
    stream_rows<D, M, S>(x, ldx, wr, k, o, ldo);
  }
  for (int r = S * q; r < rows; r++) {
    const void* wr[1] = {wrow<D>(w, ldw, r)};
    float* o[1] = {out + r};
    stream_rows<D, M, 1>(x, ldx, wr, k, o, ldo);
  }
}

// x0 x1 .. x15 -> x0 x2 .. x14 x1 x3 .. x15 in every full block of 16; the tail stays in place.
void bf16_layout(const float* x, int m, int k, float* out) {
  const __m256i idx = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  for (int t = 0; t < m; t++) {
    const float* xs = x + (size_t)t * k;
    float* o = out + (size_t)t * k;
    int i = 0;
    for (; i + 16 <= k; i += 16) {
      __m256 a = _mm256_permutevar8x32_ps(_mm256_loadu_ps(xs + i), idx);      // x0 x2 x4 x6 | x1 x3 x5 x7
      __m256 b = _mm256_permutevar8x32_ps(_mm256_loadu_ps(xs + i + 8), idx);  // x8 .. x14 | x9 .. x15
      _mm256_storeu_ps(o + i, _mm256_permute2f128_ps(a, b, 0x20));
      _mm256_storeu_ps(o + i + 8, _mm256_permute2f128_ps(a, b, 0x31));
    }
    for (; i < k; i++) o[i] = xs[i];
  }
}

template <int D, int M>
void gemv_rows(const float* x, int ldx, const void* w, size_t ldw, int rows, int k, float* out, int ldo) {
  // f32 keeps the 4-row tiles: 4 KB rows are streams long enough, and the tiles load x once
  // per 4 rows (decisions.md: f32-gemv-tiles).
  if (D != TN_F32 && (M == 1 || (size_t)M * k * sizeof(float) <= kStreamMaxActBytes)) {
    gemv_stream_m<D, M>(x, ldx, w, ldw, rows, k, out, ldo);
    return;
  }
  // 4-row tiles while M <= 2 (the register budget), then 2 and 1; a whole work item may come in
  // here (gemv_batch), not only the 4 rows of a gemv call
  int r = 0;
  if (D == TN_BF16) {
    if (M <= 2)
      for (; r + 4 <= rows; r += 4) gemv_tile_bf16<4, M>(x, ldx, wrow<D>(w, ldw, r), ldw, k, out + r, ldo);
    for (; r + 2 <= rows; r += 2) gemv_tile_bf16<2, M>(x, ldx, wrow<D>(w, ldw, r), ldw, k, out + r, ldo);
    if (r < rows) gemv_tile_bf16<1, M>(x, ldx, wrow<D>(w, ldw, r), ldw, k, out + r, ldo);
    return;
  }
  if (M <= 2)
    for (; r + 4 <= rows; r += 4) gemv_tile<D, 4, M>(x, ldx, wrow<D>(w, ldw, r), ldw, k, out + r, ldo);
  for (; r + 2 <= rows; r += 2) gemv_tile<D, 2, M>(x, ldx, wrow<D>(w, ldw, r), ldw, k, out + r, ldo);
  if (r < rows) gemv_tile<D, 1, M>(x, ldx, wrow<D>(w, ldw, r), ldw, k, out + r, ldo);
}

template <int D>
void gemv_avx2(const float* x, int ldx, int m, const void* w, size_t ldw, int rows, int k, float* out,
               int ldo) {
  switch (m) {
    case 1: gemv_rows<D, 1>(x, ldx, w, ldw, rows, k, out, ldo); break;
    case 2: gemv_rows<D, 2>(x, ldx, w, ldw, rows, k, out, ldo); break;
    case 3: gemv_rows<D, 3>(x, ldx, w, ldw, rows, k, out, ldo); break;
    default: gemv_rows<D, 4>(x, ldx, w, ldw, rows, k, out, ldo); break;
  }
}

// R weight rows x M activation rows for batched decode, where each weight is used by 3 or more
// rows and the product turns compute-bound.  Each 16-weight chunk is widened half by half and a
// half feeds all M rows before the next, so each of the R * M accumulators takes one FMA per
// half: with R * M >= 8 independent chains the FMA latency stays hidden.  (The tiles above put
// both halves into one accumulator back to back, which halves the chains: decisions.md:
// gemv-rm-order.)
template <int D, int R, int M>
void gemv_tile_rm(const float* x, int ldx, const void* w, size_t ldw, int k, float* out, int ldo) {
  __m256 acc[R][M];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) acc[r][t] = _mm256_setzero_ps();
  const void* wr[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) wr[r] = wrow<D>(w, ldw, r);
  int i = 0;
  for (; i + 16 <= k; i += 16) {
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
      __m256 wv[R];
#pragma GCC unroll 16
      for (int r = 0; r < R; r++) wv[r] = widen_half<D>(wr[r], i, h);
#pragma GCC unroll 16
      for (int t = 0; t < M; t++) {
        const __m256 xv = load8(x + (size_t)t * ldx + i + 8 * h);
#pragma GCC unroll 16
        for (int r = 0; r < R; r++) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) {
      float s = hsum256(acc[r][t]);
      const float* xt = x + (size_t)t * ldx;
      for (int j = i; j < k; j++) s += xt[j] * load_elem(wr[r], D, j);  // the bf16 layout keeps tails in place
      out[(size_t)t * ldo + r] = s;
    }
}

// M activation rows over all `rows` weight rows in tiles of R = 3 (M = 3, 4) or 4 (M = 2) rows,
// then single rows: R * M stays within the 16 ymm registers with the R weight halves and one x.
template <int D, int M>
void gemv_rows_rm(const float* x, int ldx, const void* w, size_t ldw, int rows, int k, float* out, int ldo) {
  constexpr int R = M == 2 ? 4 : 3;
  int r = 0;
  for (; r + R <= rows; r += R) gemv_tile_rm<D, R, M>(x, ldx, wrow<D>(w, ldw, r), ldw, k, out + r, ldo);
  for (; r < rows; r++) gemv_tile_rm<D, 1, M>(x, ldx, wrow<D>(w, ldw, r), ldw, k, out + r, ldo);
}

// 1 <= m activation rows (tn_linear passes one at a time).  One or two rows go to gemv_rows (the streams of
// gemv_stream_m; f32 its 4-row tiles), and so do 3-4 rows whose activations fit L1 (still
// memory-bound there); otherwise the rows go in groups of 4 or 3 (2 only as the rest of 5) through
// gemv_rows_rm: 5 = 3 + 2, 6 = 3 + 3, 7 = 4 + 3, 8 = 4 + 4, 9 = 3 + 3 + 3, ...
template <int D>
void gemv_batch_avx2(const float* x, int ldx, int m, const void* w, size_t ldw, int rows, int k, float* out,
                     int ldo) {
  if (m < 3 || (m <= 4 && D != TN_F32 && (size_t)m * k * sizeof(float) <= kStreamMaxActBytes)) {
    gemv_avx2<D>(x, ldx, m, w, ldw, rows, k, out, ldo);
    return;
  }
  for (int t = 0; t < m;) {
    const int left = m - t;
    const int g = left % 3 == 0 || left == 5 ? 3 : left == 2 ? 2 : 4;
    const float* xt = x + (size_t)t * ldx;
    float* ot = out + (size_t)t * ldo;
    if (g == 2) gemv_rows_rm<D, 2>(xt, ldx, w, ldw, rows, k, ot, ldo);
    else if (g == 3) gemv_rows_rm<D, 3>(xt, ldx, w, ldw, rows, k, ot, ldo);
    else gemv_rows_rm<D, 4>(xt, ldx, w, ldw, rows, k, ot, ldo);
    t += g;
  }
}

void swiglu_avx2(float* g, const float* u, int n) {
  const __m256 one = _mm256_set1_ps(1.f);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(g + i);
    __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), v));
    _mm256_storeu_ps(g + i, _mm256_mul_ps(_mm256_div_ps(v, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
  }
  for (; i < n; i++) g[i] = silu(g[i]) * u[i];
}

}  // namespace

// f32_to_bf16 then back, 8 lanes at a time with the same integer steps: add 0x7fff plus the
// kept part's lowest bit and cut the low half; a NaN keeps its high half with the quiet bit set.
void round_bf16_avx2(const float* x, size_t n, float* out) {
  const __m256i one = _mm256_set1_epi32(1), bias = _mm256_set1_epi32(0x7fff),
                hi = _mm256_set1_epi32((int)0xffff0000u), abs_mask = _mm256_set1_epi32(0x7fffffff),
                inf = _mm256_set1_epi32(0x7f800000), quiet = _mm256_set1_epi32(0x00400000);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i u = _mm256_castps_si256(_mm256_loadu_ps(x + i));
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), one);
    const __m256i rounded = _mm256_and_si256(_mm256_add_epi32(u, _mm256_add_epi32(bias, lsb)), hi);
    const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_mask), inf);
    const __m256i nan_bits = _mm256_or_si256(_mm256_and_si256(u, hi), quiet);
    _mm256_storeu_ps(out + i, _mm256_castsi256_ps(_mm256_blendv_epi8(rounded, nan_bits, nan)));
  }
  for (; i < n; i++) out[i] = bf16_to_f32(f32_to_bf16(x[i]));
}

namespace {

struct Ymm {
  using Reg = __m256;
  static constexpr size_t kLanes = 8;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg set1(float v) { return _mm256_set1_ps(v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static float hsum(Reg a) { return hsum256(a); }
};

float sum_avx2(const float* x, size_t n) { return probe_sum<Ymm>(x, n); }

// 10 chains: FMA latency 4-5 cycles x 2 pipes.
double fma_peak_avx2(long iters) { return probe_fma_peak<Ymm, 10>(iters); }

}  // namespace

const Kernels kAvx2Kernels = {
    "avx2",
    {dot_avx2<TN_F32>, dot_avx2<TN_F16>, dot_avx2<TN_BF16>},
    {axpy_avx2<TN_F32>, axpy_avx2<TN_F16>, axpy_avx2<TN_BF16>},
    {attn_isa<TN_F32>, attn_isa<TN_F16>, attn_isa<TN_BF16>},
    {gemv_avx2<TN_F32>, gemv_avx2<TN_F16>, gemv_avx2<TN_BF16>},
    {gemv_batch_avx2<TN_F32>, gemv_batch_avx2<TN_F16>, gemv_batch_avx2<TN_BF16>},
    {nullptr, nullptr, bf16_layout},
    {panel_avx2_f32, panel_avx2_f16, panel_avx2_bf16},
    {panel_stream_avx2_f32, panel_stream_avx2_f16, panel_stream_avx2_bf16},
    nullptr,
    swiglu_avx2,
    round_bf16_avx2,
    sum_avx2,
    fma_peak_avx2,
    &kAvx2I8Kernels,
    attn_isa_i8,    nullptr,  // no bf16 dot product at this level
};

}  // namespace tn
