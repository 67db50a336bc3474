// AVX-512 (F/BW/VL) + F16C bodies, masked tails instead of scalar loops.  Compiled with
// -mavx512f -mavx512bw -mavx512vl -mfma -mf16c; runs only when dispatch.cpp saw them.
#include <immintrin.h>
#include "kernels.h"

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
inline __m512 loadw(const void* w, int i, __mmask16 m) {
  if (D == TN_F32) return _mm512_maskz_loadu_ps(m, (const float*)w + i);
  if (D == TN_F16) return load16_f16((const uint16_t*)w + i, m);
  return load16_bf16((const uint16_t*)w + i, m);
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
    __mmask16 m = n - i >= 16 ? all : (__mmask16)((1u << (n - i)) - 1);
    a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), loadw<D>(w, i, m), a0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

template <int D>
void axpy_avx512(float a, const void* x, float* y, int n) {
  __m512 va = _mm512_set1_ps(a);
  for (int i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
    __m512 vy = _mm512_maskz_loadu_ps(m, y + i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, loadw<D>(x, i, m), vy));
  }
}

float dot_bf16_bf16_avx512(const uint16_t* x, const uint16_t* w, int n) {
  __m512 a0 = _mm512_setzero_ps();
  for (int i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
    a0 = _mm512_fmadd_ps(load16_bf16(x + i, m), load16_bf16(w + i, m), a0);
  }
  return _mm512_reduce_add_ps(a0);
}

}  // namespace

const Kernels kAvx512Kernels = {
    "avx512",
    {dot_avx512<TN_F32>, dot_avx512<TN_F16>, dot_avx512<TN_BF16>},
    {axpy_avx512<TN_F32>, axpy_avx512<TN_F16>, axpy_avx512<TN_BF16>},
    dot_bf16_bf16_avx512,
};

}  // namespace tn
