// AVX-512 (F/BW) int8 bodies: 32 int8 -> 32 int16 per step, vpmaddwd into int32 (exact).
#include <immintrin.h>
#include "kernels.h"

namespace tn {
namespace {

int32_t dot_i8_avx512(const int8_t* a, const int8_t* b, int n) {
  __m512i acc = _mm512_setzero_si512();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512i va = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i*)(a + i)));
    __m512i vb = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i*)(b + i)));
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(va, vb));
  }
  int32_t s = _mm512_reduce_add_epi32(acc);
  for (; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
  return s;
}

float dot_f32_i8_avx512(const float* x, const int8_t* w, int n) {
  __m512 acc = _mm512_setzero_ps();
  for (int i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
    __m512 vw = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, w + i)));
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), vw, acc);
  }
  return _mm512_reduce_add_ps(acc);
}

void dot_i8_rows_avx512(const int8_t* const* x, int m, const int8_t* w, size_t ldw, int rows, int k, int32_t* out,
                        size_t ldo) {
  for (int r = 0; r < rows; r++)
    for (int t = 0; t < m; t++) out[(size_t)t * ldo + r] = dot_i8_avx512(x[t], w + (size_t)r * ldw, k);
}

// From this many activation rows the int8 panels take vpdpwssd where the CPU has AVX512-VNNI
// (compute-bound tiles); fewer stay on the AVX2 tiles, which stream at the bandwidth limit.
constexpr int kVnniMinRows = 4;

void panel_i8_avx512(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out,
                     size_t ldo) {
  if (m >= kVnniMinRows && has_avx512_vnni()) panel_i8_avx512vnni(x, m, panels, k, np, out, ldo);
  else panel_i8_avx2(x, m, panels, k, np, out, ldo);
}

}  // namespace

// 1-2 rows stream on the AVX2 tiles (panel_i8_avx512 takes them there too).
const I8Kernels kAvx512I8Kernels = {dot_i8_avx512,        dot_f32_i8_avx512, dot_i8_rows_avx512, panel_i8_avx512,
                                   panel_i8_stream_avx2, quantize_row_avx2};

}  // namespace tn
