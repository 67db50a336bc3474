// Portable reference bodies: the ground truth the SIMD files are tested against.
// Four independent accumulators keep the dependency chain short without changing the
// meaning (all f32).
#include "kernels.h"

namespace tn {
namespace {

template <int D>
float dot_generic(const float* x, const void* w, int n) {
  float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * load_elem(w, D, i);
    s1 += x[i + 1] * load_elem(w, D, i + 1);
    s2 += x[i + 2] * load_elem(w, D, i + 2);
    s3 += x[i + 3] * load_elem(w, D, i + 3);
  }
  for (; i < n; i++) s0 += x[i] * load_elem(w, D, i);
  return (s0 + s1) + (s2 + s3);
}

template <int D>
void axpy_generic(float a, const void* x, float* y, int n) {
  for (int i = 0; i < n; i++) y[i] += a * load_elem(x, D, i);
}

float dot_bf16_bf16_scalar(const uint16_t* x, const uint16_t* w, int n) {
  float s0 = 0.f, s1 = 0.f;
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    s0 += bf16_to_f32(x[i]) * bf16_to_f32(w[i]);
    s1 += bf16_to_f32(x[i + 1]) * bf16_to_f32(w[i + 1]);
  }
  for (; i < n; i++) s0 += bf16_to_f32(x[i]) * bf16_to_f32(w[i]);
  return s0 + s1;
}

}  // namespace

const Kernels kScalarKernels = {
    "scalar",
    {dot_generic<TN_F32>, dot_generic<TN_F16>, dot_generic<TN_BF16>},
    {axpy_generic<TN_F32>, axpy_generic<TN_F16>, axpy_generic<TN_BF16>},
    dot_bf16_bf16_scalar,
};

}  // namespace tn
