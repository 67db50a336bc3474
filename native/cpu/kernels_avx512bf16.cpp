// AVX512-BF16 bodies (vdpbf16ps).  Compiled with -mavx512f -mavx512bf16; runs only when
// dispatch.cpp saw avx512bf16.  Today: the peak probe of `bench` (the bf16 GEMM kernels on this
// instruction are not written yet; bf16 weights are widened to f32 on every level).
#include <immintrin.h>
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

}  // namespace tn
