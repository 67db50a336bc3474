// Armv8.2 dot-product bodies (sdot: four int8 products summed into each int32 lane).  Compiled
// with +dotprod; the NEON int8 row takes them only when HWCAP reports ASIMDDP.
#include <arm_neon.h>

#include "kernels.h"

namespace tn {

int32_t dot_i8_neon_dot(const int8_t* a, const int8_t* b, int n) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = a0;
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = vdotq_s32(a0, vld1q_s8(a + i), vld1q_s8(b + i));
    a1 = vdotq_s32(a1, vld1q_s8(a + i + 16), vld1q_s8(b + i + 16));
  }
  for (; i + 16 <= n; i += 16) a0 = vdotq_s32(a0, vld1q_s8(a + i), vld1q_s8(b + i));
  int32_t s = vaddvq_s32(vaddq_s32(a0, a1));
  for (; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
  return s;
}

// Each weight row against every activation row, four activation rows per pass so a weight
// vector is loaded once for four sdots.
void dot_i8_rows_neon_dot(const int8_t* const* x, int m, const int8_t* w, size_t ldw, int rows, int k,
                          int32_t* out, size_t ldo) {
  for (int r = 0; r < rows; r++) {
    const int8_t* wr = w + (size_t)r * ldw;
    int t = 0;
    for (; t + 4 <= m; t += 4) {
      int32x4_t acc[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
      int i = 0;
      for (; i + 16 <= k; i += 16) {
        const int8x16_t wv = vld1q_s8(wr + i);
        for (int j = 0; j < 4; j++) acc[j] = vdotq_s32(acc[j], vld1q_s8(x[t + j] + i), wv);
      }
      for (int j = 0; j < 4; j++) {
        int32_t s = vaddvq_s32(acc[j]);
        for (int c = i; c < k; c++) s += (int32_t)x[t + j][c] * (int32_t)wr[c];
        out[(size_t)(t + j) * ldo + r] = s;
      }
    }
    for (; t < m; t++) out[(size_t)t * ldo + r] = dot_i8_neon_dot(x[t], wr, k);
  }
}

}  // namespace tn
