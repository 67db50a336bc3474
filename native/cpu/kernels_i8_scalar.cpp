// Portable int8 reference bodies.
#include "kernels.h"
#include "quantize.h"

namespace tn {
namespace {

int32_t dot_i8_scalar(const int8_t* a, const int8_t* b, int n) {
  int32_t s = 0;
  for (int i = 0; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
  return s;
}

float dot_f32_i8_scalar(const float* x, const int8_t* w, int n) {
  float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * (float)w[i];
    s1 += x[i + 1] * (float)w[i + 1];
    s2 += x[i + 2] * (float)w[i + 2];
    s3 += x[i + 3] * (float)w[i + 3];
  }
  for (; i < n; i++) s0 += x[i] * (float)w[i];
  return (s0 + s1) + (s2 + s3);
}

void dot_i8_rows_scalar(const int8_t* const* x, int m, const int8_t* w, size_t ldw, int rows, int k, int32_t* out,
                        size_t ldo) {
  for (int r = 0; r < rows; r++)
    for (int t = 0; t < m; t++) out[(size_t)t * ldo + r] = dot_i8_scalar(x[t], w + (size_t)r * ldw, k);
}

// The panel layout read byte by byte.
void panel_i8_scalar(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out, size_t ldo) {
  for (int p = 0; p < np; p++) {
    const int8_t* w = panels + (size_t)p * 16 * k;
    for (int c = 0; c < 16; c++)
      for (int t = 0; t < m; t++) {
        int32_t s = 0;
        for (int i = 0; i < k; i++) s += (int32_t)x[t][i] * (int32_t)w[panel_i8_pos(c, i)];
        out[(size_t)t * ldo + p * 16 + c] = s;
      }
  }
}

}  // namespace

const I8Kernels kScalarI8Kernels = {dot_i8_scalar,   dot_f32_i8_scalar, dot_i8_rows_scalar, panel_i8_scalar,
                                   nullptr, quantize_row_ref};

}  // namespace tn
