// AVX2 + FMA + F16C bodies.  This file alone is compiled with -mavx2 -mfma -mf16c; it runs
// only when dispatch.cpp saw those features at run time.
#include <immintrin.h>
#include "kernels.h"

namespace tn {
namespace {

inline float hsum256(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v);
  __m128 hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_hadd_ps(lo, lo);
  lo = _mm_hadd_ps(lo, lo);
  return _mm_cvtss_f32(lo);
}

inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 load8_f16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p));
}
inline __m256 load8_bf16(const uint16_t* p) {
  __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}

template <int D>
inline __m256 loadw(const void* w, int i) {
  if (D == TN_F32) return load8((const float*)w + i);
  if (D == TN_F16) return load8_f16((const uint16_t*)w + i);
  return load8_bf16((const uint16_t*)w + i);
}

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

float dot_bf16_bf16_avx2(const uint16_t* x, const uint16_t* w, int n) {
  __m256 a0 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(load8_bf16(x + i), load8_bf16(w + i), a0);
  float s = hsum256(a0);
  for (; i < n; i++) s += bf16_to_f32(x[i]) * bf16_to_f32(w[i]);
  return s;
}

}  // namespace

const Kernels kAvx2Kernels = {
    "avx2",
    {dot_avx2<TN_F32>, dot_avx2<TN_F16>, dot_avx2<TN_BF16>},
    {axpy_avx2<TN_F32>, axpy_avx2<TN_F16>, axpy_avx2<TN_BF16>},
    dot_bf16_bf16_avx2,
};

}  // namespace tn
