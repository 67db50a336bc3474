// Element-type traits shared by every kernel file: the C++ mirror of
// org.tramontane.config.DType (same codes, same element sizes).  Scalar conversions only;
// the ISA files widen in registers.
// Every function here is `static inline`: this header is compiled into the ISA files with
// wider -m flags, and an out-of-line copy with external linkage could be picked by the linker
// for the baseline files too (SIGILL on a CPU without those features).
#ifndef TN_DTYPE_H
#define TN_DTYPE_H
#include <stdint.h>
#include <string.h>
#include "tramontane_cpu.h"

namespace tn {

// How a weight of the dtype multiplies: widened to f32 in registers (kFloat) or as symmetric int8
// with one f32 scale per output row, its activations f32 or quantized per token (kInt8).  The
// linear and MoE entry points pick their kernels by this column.
enum class WeightKind { kFloat, kInt8 };

struct DTypeTraits {
  const char* name;
  int elem_bytes;
  WeightKind kind;
};

// One row per dtype code; a new element type is one row here plus its kernels.
constexpr DTypeTraits kDTypes[] = {
    {"f32", 4, WeightKind::kFloat},   // TN_F32
    {"f16", 2, WeightKind::kFloat},   // TN_F16
    {"bf16", 2, WeightKind::kFloat},  // TN_BF16
    {"i8", 1, WeightKind::kInt8},     // TN_I8 (weights only; activations and caches stay float)
};
constexpr int kNumDTypes = sizeof(kDTypes) / sizeof(kDTypes[0]);

static inline bool valid_dtype(int d) { return d >= 0 && d < kNumDTypes; }
// The dtypes activations, caches and conversions take: load_elem / store_elem below.
static inline bool valid_float_dtype(int d) { return valid_dtype(d) && kDTypes[d].kind == WeightKind::kFloat; }

static inline float bf16_to_f32(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

// Round-to-nearest-even, NaN kept quiet (as torch does).
static inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

static inline float f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do { e++; mant <<= 1; } while ((mant & 0x400u) == 0);
      mant &= 0x3ffu;
      u = sign | ((uint32_t)(127 - 15 - e) << 23) | (mant << 13);
    }
  } else if (exp == 0x1f) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  memcpy(&f, &u, 4);
  return f;
}

// Round-to-nearest-even f32 -> f16 with overflow to inf and gradual underflow.
static inline uint16_t f32_to_f16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  uint32_t sign = (u >> 16) & 0x8000u;
  uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return (uint16_t)(sign | 0x7e00u);  // NaN
  if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);  // rounds to >= 65520: inf
  if (a < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    if (a < 0x33000000u) return (uint16_t)sign;  // < 2^-25 rounds to 0
    uint32_t e = a >> 23;
    uint32_t m = (a & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e;  // 14 + (112 - e) + ... places the value in units of 2^-24
    uint32_t q = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1u))) q++;
    return (uint16_t)(sign | q);
  }
  uint32_t r = a + 0xfffu + ((a >> 13) & 1u) - 0x38000000u;  // rebias 127 -> 15
  return (uint16_t)(sign | (r >> 13));
}

// Float dtypes only (valid_float_dtype).
static inline float load_elem(const void* base, int dtype, size_t i) {
  switch (dtype) {
    case TN_F32: return ((const float*)base)[i];
    case TN_F16: return f16_to_f32(((const uint16_t*)base)[i]);
    default: return bf16_to_f32(((const uint16_t*)base)[i]);
  }
}

static inline void store_elem(void* base, int dtype, size_t i, float v) {
  switch (dtype) {
    case TN_F32: ((float*)base)[i] = v; break;
    case TN_F16: ((uint16_t*)base)[i] = f32_to_f16(v); break;
    default: ((uint16_t*)base)[i] = f32_to_bf16(v); break;
  }
}

}  // namespace tn
#endif
