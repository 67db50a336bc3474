// Armv8.6 int8 matrix multiply (smmla: a 2 x 8 by 8 x 2 int8 product accumulated into a 2 x 2
// int32 tile).  Compiled with +i8mm; the NEON int8 row takes it only when HWCAP2 reports I8MM.
#include <arm_neon.h>

#include "kernels.h"

namespace tn {

// Activation rows and weight rows in pairs (an odd last one paired with itself, its duplicate
// result dropped); columns 8 at a time, the last k % 8 as scalar products.  Exact in int32.
void dot_i8_rows_neon_i8mm(const int8_t* const* x, int m, const int8_t* w, size_t ldw, int rows, int k,
                           int32_t* out, size_t ldo) {
  const int k8 = k / 8 * 8;
  for (int t = 0; t < m; t += 2) {
    const int t1 = t + 1 < m ? t + 1 : t;
    const int8_t* x0 = x[t];
    const int8_t* x1 = x[t1];
    for (int r = 0; r < rows; r += 2) {
      const int r1 = r + 1 < rows ? r + 1 : r;
      const int8_t* w0 = w + (size_t)r * ldw;
      const int8_t* w1 = w + (size_t)r1 * ldw;
      int32x4_t acc = vdupq_n_s32(0);  // [x0 w0, x0 w1, x1 w0, x1 w1]
      for (int i = 0; i < k8; i += 8)
        acc = vmmlaq_s32(acc, vcombine_s8(vld1_s8(x0 + i), vld1_s8(x1 + i)),
                         vcombine_s8(vld1_s8(w0 + i), vld1_s8(w1 + i)));
      int32_t s[4];
      vst1q_s32(s, acc);
      for (int i = k8; i < k; i++) {
        s[0] += (int32_t)x0[i] * w0[i];
        s[1] += (int32_t)x0[i] * w1[i];
        s[2] += (int32_t)x1[i] * w0[i];
        s[3] += (int32_t)x1[i] * w1[i];
      }
      out[(size_t)t * ldo + r] = s[0];
      if (r1 != r) out[(size_t)t * ldo + r1] = s[1];
      if (t1 != t) {
        out[(size_t)t1 * ldo + r] = s[2];
        if (r1 != r) out[(size_t)t1 * ldo + r1] = s[3];
      }
    }
  }
}

}  // namespace tn
