// Per-ISA int8 kernels of the quantized linears (W8A8 dynamic, W8A16), filled once per ISA level
// like kernels.h. Integer dot products are exact, so every level gives bit-identical W8A8 results.
#ifndef TN_QKERNELS_H
#define TN_QKERNELS_H
#include <stdint.h>

namespace tn {

struct QKernels {
  // sum_i a[i] * b[i], exact in int32 (|a|, |b| <= 127 and n < 2^17 keep it in range)
  int32_t (*dot_i8)(const int8_t* a, const int8_t* b, int n);
  // sum_i x[i] * (float) w[i]
  float (*dot_f32_i8)(const float* x, const int8_t* w, int n);
};

extern const QKernels kScalarQKernels;
extern const QKernels kAvx2QKernels;
extern const QKernels kAvx512QKernels;

// The table of the active ISA level (tn_isa_active()).
const QKernels& qkernels();

}  // namespace tn
#endif
