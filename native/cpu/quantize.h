// Per-token activation quantization (W8A8 dynamic) in its reference form: s = max|x| / 127 and
// q = clamp(round_half_away(x / s), -127, 127), every step exact IEEE f32.  Internal linkage: each
// file that includes this (built with its own -m flags) keeps its own copy.
#ifndef TN_QUANTIZE_H
#define TN_QUANTIZE_H
#include <math.h>
#include <stdint.h>
#include <string.h>

namespace tn {
namespace {

// Round half away from zero, computed exactly: trunc, then compare the exact fraction with 0.5.
inline int8_t round_clamp_i8(float v) {
  float t = truncf(v);
  float frac = v - t;  // exact: v and t share the exponent range
  float r = t;
  if (frac >= 0.5f) r = t + 1.f;
  else if (frac <= -0.5f) r = t - 1.f;
  if (r > 127.f) r = 127.f;
  if (r < -127.f) r = -127.f;
  return (int8_t)r;
}

inline void quantize_row_ref(const float* x, int k, int8_t* q, float* scale) {
  float amax = 0.f;
  for (int i = 0; i < k; i++) {
    float a = fabsf(x[i]);
    if (a > amax) amax = a;
  }
  float s = amax / 127.f;
  *scale = s;
  if (s == 0.f) {
    memset(q, 0, (size_t)k);
    return;
  }
  for (int i = 0; i < k; i++) q[i] = round_clamp_i8(x[i] / s);
}

}  // namespace
}  // namespace tn
#endif
