// AVX2 int8 bodies: sign-extend to 16 bits, vpmaddwd pairs into int32 (exact).
#include <immintrin.h>
#include "qkernels.h"

namespace tn {
namespace {

inline int32_t hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

int32_t dot_i8_avx2(const int8_t* a, const int8_t* b, int n) {
  __m256i acc = _mm256_setzero_si256();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i va = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(a + i)));
    __m256i vb = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(b + i)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(va, vb));
  }
  int32_t s = hsum_epi32(acc);
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

}  // namespace

const QKernels kAvx2QKernels = {dot_i8_avx2, dot_f32_i8_avx2};

}  // namespace tn
