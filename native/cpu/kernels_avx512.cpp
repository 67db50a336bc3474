// AVX-512 (F/BW/VL) + F16C bodies, masked tails instead of scalar loops.  Compiled with
// -mavx512f -mavx512bw -mavx512vl -mfma -mf16c; runs only when dispatch.cpp saw them.
#include <immintrin.h>
#include <math.h>
#include "kernels.h"
#include "probe_loops.h"

namespace tn {
namespace {

inline __m512 load16_f16(const uint16_t* p, __mmask16 m) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}
inline __m512 load16_bf16(const uint16_t* p, __mmask16 m) {
  __m512i w = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
}

template <int D>
inline __m512 loadw(const void* w, size_t i, __mmask16 m) {
  if (D == TN_F32) return _mm512_maskz_loadu_ps(m, (const float*)w + i);
  if (D == TN_F16) return load16_f16((const uint16_t*)w + i, m);
  return load16_bf16((const uint16_t*)w + i, m);
}

template <int D>
inline const void* wrow(const void* w, size_t ldw, int r) {
  return (const char*)w + (size_t)r * ldw * kDTypes[D].elem_bytes;
}

inline __mmask16 tail_mask(int left) {
  return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

template <int D>
float dot_avx512(const float* x, const void* w, int n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  const __mmask16 all = 0xffff;
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), loadw<D>(w, i, all), a0);
    a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), loadw<D>(w, i + 16, all), a1);
  }
  for (; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), loadw<D>(w, i, m), a0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

template <int D>
void axpy_avx512(float a, const void* x, float* y, int n) {
  __m512 va = _mm512_set1_ps(a);
  for (int i = 0; i < n; i += 16) {
    __mmask16 m = tail_mask(n - i);
    __m512 vy = _mm512_maskz_loadu_ps(m, y + i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, loadw<D>(x, i, m), vy));
  }
}

#include "isa_common.inc"

// R weight rows x M activation rows, U accumulator sets (2 when M = 1); <= 16 + 4 + 1 zmm.
template <int D, int R, int M>
void gemv_tile(const float* x, int ldx, const void* w, size_t ldw, int k, float* out, int ldo) {
  constexpr int U = M == 1 ? 2 : 1;
  __m512 acc[U][R][M];
#pragma GCC unroll 16
  for (int u = 0; u < U; u++)
#pragma GCC unroll 16
    for (int r = 0; r < R; r++)
#pragma GCC unroll 16
      for (int t = 0; t < M; t++) acc[u][r][t] = _mm512_setzero_ps();
  const void* wr[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) wr[r] = wrow<D>(w, ldw, r);
  const __mmask16 all = 0xffff;
  int i = 0;
  for (; i + 16 * U <= k; i += 16 * U) {
#pragma GCC unroll 16
    for (int u = 0; u < U; u++) {
      __m512 wv[R];
#pragma GCC unroll 16
      for (int r = 0; r < R; r++) wv[r] = loadw<D>(wr[r], i + 16 * u, all);
#pragma GCC unroll 16
      for (int t = 0; t < M; t++) {
        __m512 xv = _mm512_loadu_ps(x + (size_t)t * ldx + i + 16 * u);
#pragma GCC unroll 16
        for (int r = 0; r < R; r++) acc[u][r][t] = _mm512_fmadd_ps(wv[r], xv, acc[u][r][t]);
      }
    }
  }
  for (; i < k; i += 16) {
    __mmask16 m = tail_mask(k - i);
    __m512 wv[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) wv[r] = loadw<D>(wr[r], i, m);
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) {
      __m512 xv = _mm512_maskz_loadu_ps(m, x + (size_t)t * ldx + i);
#pragma GCC unroll 16
      for (int r = 0; r < R; r++) acc[0][r][t] = _mm512_fmadd_ps(wv[r], xv, acc[0][r][t]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 16
    for (int t = 0; t < M; t++) {
      __m512 a = acc[0][r][t];
      if (U == 2) a = _mm512_add_ps(a, acc[U - 1][r][t]);
      out[(size_t)t * ldo + r] = _mm512_reduce_add_ps(a);
    }
}

template <int D, int M>
void gemv_rows(const float* x, int ldx, const void* w, size_t ldw, int rows, int k, float* out, int ldo) {
  if (rows == 4) {
    gemv_tile<D, 4, M>(x, ldx, w, ldw, k, out, ldo);
    return;
  }
  for (int r = 0; r < rows; r++) gemv_tile<D, 1, M>(x, ldx, wrow<D>(w, ldw, r), ldw, k, out + r, ldo);
}

template <int D>
void gemv_avx512(const float* x, int ldx, int m, const void* w, size_t ldw, int rows, int k, float* out,
                 int ldo) {
  switch (m) {
    case 1: gemv_rows<D, 1>(x, ldx, w, ldw, rows, k, out, ldo); break;
    case 2: gemv_rows<D, 2>(x, ldx, w, ldw, rows, k, out, ldo); break;
    case 3: gemv_rows<D, 3>(x, ldx, w, ldw, rows, k, out, ldo); break;
    default: gemv_rows<D, 4>(x, ldx, w, ldw, rows, k, out, ldo); break;
  }
}

struct Zmm {
  using Reg = __m512;
  static constexpr size_t kLanes = 16;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg set1(float v) { return _mm512_set1_ps(v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static float hsum(Reg a) { return _mm512_reduce_add_ps(a); }
};

float sum_avx512(const float* x, size_t n) { return probe_sum<Zmm>(x, n); }

// 12 chains: FMA latency 4 cycles x 2 pipes, with room to spare in 32 registers.
double fma_peak_avx512(long iters) { return probe_fma_peak<Zmm, 12>(iters); }

// Panel kernels: 1-3 activation rows stream the weights on the AVX2 tiles (bandwidth-bound: wider
// vectors add nothing); 4+ rows are compute-bound and take the zmm tiles (12 rows x 2 panels: 32
// registers) (decisions.md: avx512-from-rows).
constexpr int kZmmMinRows = 4;

template <int D>
void panel_avx512(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo) {
  if (m >= kZmmMinRows) {
    if (D == TN_F32) panel_avx512_zmm_f32(x, ldx, m, w, k, np, out, ldo);
    else if (D == TN_F16) panel_avx512_zmm_f16(x, ldx, m, w, k, np, out, ldo);
    else panel_avx512_zmm_bf16(x, ldx, m, w, k, np, out, ldo);
  } else {
    if (D == TN_F32) panel_avx2_f32(x, ldx, m, w, k, np, out, ldo);
    else if (D == TN_F16) panel_avx2_f16(x, ldx, m, w, k, np, out, ldo);
    else panel_avx2_bf16(x, ldx, m, w, k, np, out, ldo);
  }
}

}  // namespace

const Kernels kAvx512Kernels = {
    "avx512",
    {dot_avx512<TN_F32>, dot_avx512<TN_F16>, dot_avx512<TN_BF16>},
    {axpy_avx512<TN_F32>, axpy_avx512<TN_F16>, axpy_avx512<TN_BF16>},
    {attn_isa<TN_F32>, attn_isa<TN_F16>, attn_isa<TN_BF16>},
    {gemv_avx512<TN_F32>, gemv_avx512<TN_F16>, gemv_avx512<TN_BF16>},
    {nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr},
    {panel_avx512<TN_F32>, panel_avx512<TN_F16>, panel_avx512<TN_BF16>},
    {panel_stream_avx2_f32, panel_stream_avx2_f16, panel_stream_avx2_bf16},  // 1-3 rows: the AVX2 tiles
    panel_bf16dp_avx512,
    swiglu_generic,  // the portable loop (SwiGLU is a small share of an expert's work)
    round_bf16_avx2,
    sum_avx512,
    fma_peak_avx512,
    &kAvx512I8Kernels,
    attn_isa_i8,    panel_bf16dp_stream_avx512,
};

}  // namespace tn
