// Per-ISA int8 kernels of the quantized linears (W8A8 dynamic, W8A16), filled once per ISA level
// like kernels.h. Integer dot products are exact, so every level gives bit-identical W8A8 results.
#ifndef TN_QKERNELS_H
#define TN_QKERNELS_H
#include <stddef.h>
#include <stdint.h>

namespace tn {

struct QKernels {
  // sum_i a[i] * b[i], exact in int32 (|a|, |b| <= 127 and n < 2^17 keep it in range)
  int32_t (*dot_i8)(const int8_t* a, const int8_t* b, int n);
  // sum_i x[i] * (float) w[i]
  float (*dot_f32_i8)(const float* x, const int8_t* w, int n);
  // out[t * ldo + r] = dot_i8(x[t], w + r * ldw, k) for t < m, r < rows: several activation rows
  // (batched decode, prefill) against several weight rows, each loaded chunk used by all of them.
  // Exact in int32 like dot_i8, so the same bits in any order.
  void (*dot_i8_rows)(const int8_t* const* x, int m, const int8_t* w, size_t ldw, int rows, int k, int32_t* out,
                      size_t ldo);
  // out[t * ldo + 16 p + c] = sum_{i<k} x[t][i] * W[16 p + c, i], exact in int32, for t < m, p < np,
  // c < 16: W in the int8 panel layout (panel_i8_pos), x rows widened to int16, k even.
  void (*panel_i8)(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out, size_t ldo);
  // One activation row quantized per token (quantize.h's quantize_row_ref, bit for bit for finite x).
  void (*quantize_row)(const float* x, int k, int8_t* q, float* scale);
};

// The int8 panel layout (tn_pack_panels of a TN_I8 weight, k even): rows [16p, 16p + 16) become
// panel p, [k / 2][16][2]: the weights of input columns 2j and 2j + 1 of each of the 16 rows side by
// side, so one sign-extension of 16 bytes gives 8 rows' int16 pairs for vpmaddwd against a
// broadcast pair of activations.  Byte offset of (row c, column i) within a panel:
static inline size_t panel_i8_pos(int c, int i) { return (size_t)(i >> 1) * 32 + 2 * (size_t)c + (size_t)(i & 1); }

// The AVX2 body, which the AVX-512 table uses too (not tuned or timed on an AVX-512 machine), up
// to 3 activation rows or where the CPU lacks AVX512-VNNI.
void panel_i8_avx2(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out, size_t ldo);
void quantize_row_avx2(const float* x, int k, int8_t* q, float* scale);
// qkernels_avx512vnni.cpp: panel_i8 on vpdpwssd, for the AVX-512 table from 4 rows where the CPU
// has AVX512-VNNI (same exact int32 results).
void panel_i8_avx512vnni(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out,
                         size_t ldo);

extern const QKernels kScalarQKernels;
extern const QKernels kAvx2QKernels;
extern const QKernels kAvx512QKernels;

// The table of the active ISA level (tn_isa_active()).
const QKernels& qkernels();

}  // namespace tn
#endif
