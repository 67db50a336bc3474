// The per-ISA kernel table.  dispatch.cpp fills one table per ISA level once at start; the
// ops in ops.cpp call only through it, so forcing a level (tests, tramontane.cpu.isa) reaches
// every SIMD body.  Indexed by dtype code where the weight type varies.
#ifndef TN_KERNELS_H
#define TN_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#include "dtype.h"

namespace tn {

// sum_i x[i] * widen(w[i]), x f32, w of the table's dtype.
typedef float (*DotFn)(const float* x, const void* w, int n);
// y[i] += a * widen(x[i])
typedef void (*AxpyFn)(float a, const void* x, float* y, int n);
// sum_i widen(x[i]) * widen(w[i]) for bf16 x bf16 (bf16-activation mode)
typedef float (*DotBf16Fn)(const uint16_t* x, const uint16_t* w, int n);

struct Kernels {
  const char* isa_name;
  DotFn dot[kNumDTypes];
  AxpyFn axpy[kNumDTypes];
  DotBf16Fn dot_bf16_bf16;
};

extern const Kernels kScalarKernels;
extern const Kernels kAvx2Kernels;
extern const Kernels kAvx512Kernels;

// The table of the active ISA level.
const Kernels& kernels();

}  // namespace tn
#endif
