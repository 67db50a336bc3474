// The linear layer's steps, shared by tn_linear (linear.cpp) and the expert MoE (moe_*.cpp): the
// float row kernels over a block of output rows, and the int8 ones with their scaling epilogue.
// Baseline flags only (no ISA file includes this): the SIMD bodies are reached through kernels().
#ifndef TN_LINEAR_H
#define TN_LINEAR_H
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "scratch.h"
#include "threadpool.h"

namespace tn {

// Below this many multiply-adds a linear runs on the calling thread alone.
constexpr size_t kMinParallelMacs = 1 << 16;
// Activations rounded to bf16 on the calling thread alone below this many, else across the pool
// in blocks of kRoundBlock.
constexpr size_t kMinParallelRound = 1 << 16, kRoundBlock = 1 << 14;

// ---- float weights ----

static inline int bf16_pairs_per_row(int k) { return (k + 1) / 2; }

// Whether a product of activation rows (bf16 values when round_act) with weights of dtype dt in
// panels takes kt.panel_bf16dp (for any row count, so a row's result does not depend on the others).
bool use_bf16dp(const Kernels& kt, int dt, bool panels, int round_act);

// x [m, k] as bf16 pairs for PanelDpFn (kernels.h): xb[t * kp + q] = bf16(x[t][2q]) | bf16(x[t][2q + 1])
// << 16 with kp = bf16_pairs_per_row(k), 0 past the end of an odd row.  x holds bf16 values in
// bf16 mode, so the rounding (nearest even) is exact; across the pool for large x.
void pack_bf16_pairs(const float* x, int m, int k, uint32_t* xb);

// Output columns [r0, r1) of out[t * ldo + r] = x[t, :] . w[r, :] for all m rows of x (ldx = k).
// Rows below prows are in the panel layout (r0 then a multiple of kPanelRows) and take the panel
// kernel for any m.  Row-major rows take the one-row gemv kernels, each activation row alone.
// Either way an output's value depends on its activation row, its weight row and k only, never on
// m, [r0, r1) or the other rows (batch invariance).
// xg: x in the gemv kernel's layout (kt.gemv_layout[dt]; x itself where that is nullptr).
// xb: x as bf16 pairs (pack_bf16_pairs) where the panel rows take the bf16 dot-product kernel, else nullptr.
// sc: the weight's tuned streams (stream_for), or nullptr: the panel rows take kt.panel_stream with it (xb:
// kt.panel_bf16dp_stream, where the level has one).
void linear_rows(const Kernels& kt, const float* x, const float* xg, int m, int k, const void* w, int dt, int r0,
                 int r1, float* out, int ldo, int prows, const uint32_t* xb, const tn_stream_choice* sc);

// ---- tuned streams (tune.cpp) ----

// The choice tn_set_stream_choice made for an [n, k] panel weight of dtype dt (element dtype),
// copied into *out; false where the shape has none.
bool stream_choice(int dt, int n, int k, tn_stream_choice* out);

// A product's tuned streams: *buf filled with the shape's choice where m activation rows stream a
// panel weight (1 <= m <= kStreamMaxRows) that has one and the level has stream kernels
// (kt.panel_stream, or qk.panel_i8_stream for int8 with m <= 2), else nullptr.
const tn_stream_choice* stream_for(const Kernels& kt, int dt, bool panels, int m, int n, int k, tn_stream_choice* buf);

// Rows per work item: a multiple of the gemv tile (4) and of kPanelRows (panel-layout weights: two
// panels, any m); a tuned stream's block_rows.
static inline int linear_block(const tn_stream_choice* sc = nullptr) { return sc ? sc->block_rows : 32; }

// ---- int8 weights ----

// Output rows per work item of the int8 linears and the MoE (a multiple of every ISA's SwiGLU
// vector width).
constexpr int kWBlock = 32;
// Activation rows per dot_i8_rows call: the int32 results of a call, [kActChunk][kWBlock], live on
// the stack until they are scaled into floats.
constexpr int kActChunk = 64;

// int8 activation rows widened to int16, the operand of the int8 panel kernel.
void widen_rows(const int8_t* q, size_t n, int16_t* out);

// Rows of x [m, k] quantized per row (the ISA's quantize_row: the same bits on every level), across
// the pool when there are many.
void quantize_rows(const I8Kernels& qk, const float* x, int m, int k, int8_t* q, float* scales);

// out[t * ldo + r] = ((float) acc(t, r) * ws[r]) * scale(t) for t < m, r < rows <= kWBlock, the int32
// dots computed kActChunk activation rows at a time by dots(t0, mt, acc) into acc[t * kWBlock + r]:
// scaled as one dot_i8 at a time was (same float operations in the same order, so the same bits).
template <typename Dots, typename Scale>
void scaled_chunks(int m, int rows, Dots dots, Scale scale, const float* ws, float* out, size_t ldo) {
  int32_t acc[kActChunk * kWBlock];
  for (int t0 = 0; t0 < m; t0 += kActChunk) {
    const int mt = m - t0 < kActChunk ? m - t0 : kActChunk;
    dots(t0, mt, acc);
    for (int t = 0; t < mt; t++) {
      const float s = scale(t0 + t);
      float* o = out + (size_t)(t0 + t) * ldo;
      for (int r = 0; r < rows; r++) o[r] = ((float)acc[t * kWBlock + r] * ws[r]) * s;
    }
  }
}

// Rows [0, rows) of a weight block w (rows of k int8, rows <= kWBlock) against m quantized
// activation rows (row(t) its int8 row, row16(t) the same widened, scale(t) its scale): those below
// prows (a multiple of 16; <= 0: none) in the int8 panel layout through panel_i8 (panel_i8_stream
// with the tuned streams sc where not nullptr), the rest row-major through dot_i8_rows; every
// int32 dot scaled the same way.
template <typename Row, typename Row16, typename Scale>
void rows_i8_scaled(const I8Kernels& qk, int m, Row row, Row16 row16, Scale scale, const int8_t* w, int prows,
                    int rows, int k, const float* ws, float* out, size_t ldo, const tn_stream_choice* sc) {
  const int np = prows <= 0 ? 0 : (prows < rows ? prows : rows) / 16;
  if (np > 0)
    scaled_chunks(
        m, np * 16,
        [&](int t0, int mt, int32_t* acc) {
          const int16_t* xr[kActChunk];
          for (int t = 0; t < mt; t++) xr[t] = row16(t0 + t);
          if (sc) qk.panel_i8_stream(xr, mt, w, k, np, acc, kWBlock, *sc);
          else qk.panel_i8(xr, mt, w, k, np, acc, kWBlock);
        },
        scale, ws, out, ldo);
  const int done = np * 16;
  if (done >= rows) return;
  scaled_chunks(
      m, rows - done,
      [&](int t0, int mt, int32_t* acc) {
        const int8_t* xr[kActChunk];
        for (int t = 0; t < mt; t++) xr[t] = row(t0 + t);
        qk.dot_i8_rows(xr, mt, w + (size_t)done * k, (size_t)k, rows - done, k, acc, kWBlock);
      },
      scale, ws + done, out + done, ldo);
}

// ---- the descriptor ----

// tn_linear without the profiling label: the weight's kind picks linear_float or linear_i8.
// forced: the streams to use instead of the shape's tuned ones (the tuner's timing runs), or nullptr.
int linear(const float* x, int m, int k, const tn_linear_weight* w, int n, float* out, int round_act,
           const tn_stream_choice* forced = nullptr);

// The work items [0, n) of a product: one contiguous share per pool thread under TN_SPLIT_SHARES
// (sc not nullptr), else handed out one at a time (parallel_items).
template <typename F>
void split_items(const tn_stream_choice* sc, int64_t n, F&& f) {
  if (sc && sc->split == TN_SPLIT_SHARES)
    parallel_for(n, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) f(i);
    });
  else
    parallel_items(n, f);
}

// A weight's element type and layout, from its dtype code (TN_W_PANELS: tn_pack_panels' layout).
static inline int elem_dtype(const tn_linear_weight* w) { return w->dtype & ~TN_W_PANELS; }
static inline bool has_panels(const tn_linear_weight* w) { return (w->dtype & TN_W_PANELS) != 0; }
static inline WeightKind weight_kind(const tn_linear_weight* w) { return kDTypes[elem_dtype(w)].kind; }
// A descriptor the kernels can read: a dtype of the table, int8 with its scales (int8 panels take
// int8 activations only: no other kernel reads them).
bool valid_weight(const tn_linear_weight* w);

}  // namespace tn
#endif
