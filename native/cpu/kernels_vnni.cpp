// VNNI bodies (vpdpbusd: u8 x s8 -> s32 dot products of 4).  Compiled with -mavx512f
// -mavx512vnni -mavxvnni; each function runs only when dispatch.cpp saw its feature:
// the int8 peak probes of `bench` (the W8A8 panel kernel on vpdpwssd is in kernels_i8_avx512vnni.cpp).
#include <immintrin.h>
#include "kernels.h"

namespace tn {

// 12 chains of zmm vpdpbusd: 16 lanes x 4 products x 2 ops per round.
double vnni_peak_loop(long iters) {
  __m512i acc[12];
  for (int j = 0; j < 12; j++) acc[j] = _mm512_setzero_si512();
  const __m512i a = _mm512_set1_epi8(1), b = _mm512_set1_epi8(2);
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
    for (int j = 0; j < 12; j++) acc[j] = _mm512_dpbusd_epi32(acc[j], a, b);
  }
  __m512i s = acc[0];
  for (int j = 1; j < 12; j++) s = _mm512_add_epi32(s, acc[j]);
  volatile int sink = _mm512_reduce_add_epi32(s);
  (void)sink;
  return 128.0 * 12 * (double)iters;
}

// The same with ymm AVX-VNNI (CPUs with AVX-VNNI but no AVX-512): 8 lanes x 4 x 2 per round.
double avxvnni_peak_loop(long iters) {
  __m256i acc[12];
  for (int j = 0; j < 12; j++) acc[j] = _mm256_setzero_si256();
  const __m256i a = _mm256_set1_epi8(1), b = _mm256_set1_epi8(2);
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
    for (int j = 0; j < 12; j++) acc[j] = _mm256_dpbusd_avx_epi32(acc[j], a, b);
  }
  __m256i s = acc[0];
  for (int j = 1; j < 12; j++) s = _mm256_add_epi32(s, acc[j]);
  alignas(32) int lanes[8];
  _mm256_store_si256((__m256i*)lanes, s);
  volatile int sink = lanes[0];
  (void)sink;
  return 64.0 * 12 * (double)iters;
}

}  // namespace tn
