// The per-ISA kernel table.  dispatch.cpp picks one table per ISA level once at start; the
// operations (linear.cpp, moe*.cpp, attention.cpp, norm_rope.cpp, weights.cpp) call only through
// it, so forcing a level (tests, tramontane.cpu.isa) reaches every SIMD body.  Indexed by dtype
// code where the weight type varies; the int8 row's kernels are the table's i8 member.
//
// A float weight handed to tn_pack_panels (the cpu backend does that at load for q/k/v/o, the
// experts and an untied lm_head) is read in its panel layout by one kernel for every row count
// (`panel`): rows [16p, 16p + 16) become panel p, [k][16] (the 16 weights of input column i side
// by side), so an outer-product tile reads it as one sequential stream with no packing per call.
// Rows past the last whole panel, and weights left row-major [n, k] (the router, int8 weights,
// tests), take the gemv tiles: up to 4 weight rows per call, dot-product form, each weight byte
// loaded once per tile and widened in registers (gemv_batch, where an ISA has it, takes a whole
// work item of weight rows and tiles it itself).
// The linear layers use the kernels so that an output's value depends on its own activation row,
// weight row and k, never on how many rows share the call (batch invariance: a token computes the
// same bits alone, in a batch, or after a cached prefix): each panel output is one FMA chain over k
// in order (bf16 mode with a bf16 dot-product instruction: that instruction for every row count),
// and row-major rows run one activation row at a time through the gemv kernels.
// Every ISA file keeps its helpers in an anonymous namespace (no shared inline symbols across
// files built with different -m flags).
#ifndef TN_KERNELS_H
#define TN_KERNELS_H
#include <stddef.h>
#include <math.h>
#include <stdint.h>

#include <type_traits>

#include "dtype.h"
#include "tramontane_cpu.h"

namespace tn {

// Adds to the running total tn_weight_bytes_read reports (every kernel that streams a weight).
void count_weight_bytes(size_t bytes);

// sum_i x[i] * widen(w[i]), x f32, w of the table's dtype.
typedef float (*DotFn)(const float* x, const void* w, int n);
// y[i] += a * widen(x[i])
typedef void (*AxpyFn)(float a, const void* x, float* y, int n);
// out[t * ldo + r] = sum_{i<k} x[t * ldx + i] * widen(w[r * ldw + i]),  r < rows <= 4, t < m <= 4
typedef void (*GemvTileFn)(const float* x, int ldx, int m, const void* w, size_t ldw, int rows, int k,
                           float* out, int ldo);
// The same product for any number of weight rows (a whole work item), so the kernel picks its own
// register tiling and streams; tn_linear calls it (and the tiles) with one activation row at a time.
typedef GemvTileFn GemvBatchFn;
// The activation layout a gemv kernel of a weight dtype wants: out = x [m, k] rearranged within
// blocks (the bf16 AVX2 kernel widens 16 weights at a time into even / odd halves with one shift
// and one mask, so x is fed as x0 x2 .. x14 x1 x3 .. x15 per block of 16).  nullptr: x as is.
typedef void (*ActLayoutFn)(const float* x, int m, int k, float* out);
// Rows per panel, and where column c of a panel's k-th group of 16 sits (in elements): bf16 pairs
// column c with c + 8 in one 32-bit lane (low / high half: a shift and a mask widen both halves
// to f32 in place), f16 and f32 keep column order.
// (static: each file, whatever its -m flags, keeps its own copy)
constexpr int kPanelRows = 16;
static inline int panel_pos(int dtype, int c) { return dtype == TN_BF16 ? 2 * (c % 8) + c / 8 : c; }
// f(std::integral_constant<int, mr>()) for 1 <= mr <= kMaxTileRows (larger: kMaxTileRows): a tile
// whose height is a template parameter, called with a height known at run time.
constexpr int kMaxTileRows = 12;
template <typename F>
static inline void with_tile_rows(int mr, F&& f) {
  switch (mr) {
    case 1: f(std::integral_constant<int, 1>()); break;
    case 2: f(std::integral_constant<int, 2>()); break;
    case 3: f(std::integral_constant<int, 3>()); break;
    case 4: f(std::integral_constant<int, 4>()); break;
    case 5: f(std::integral_constant<int, 5>()); break;
    case 6: f(std::integral_constant<int, 6>()); break;
    case 7: f(std::integral_constant<int, 7>()); break;
    case 8: f(std::integral_constant<int, 8>()); break;
    case 9: f(std::integral_constant<int, 9>()); break;
    case 10: f(std::integral_constant<int, 10>()); break;
    case 11: f(std::integral_constant<int, 11>()); break;
    default: f(std::integral_constant<int, kMaxTileRows>()); break;
  }
}
// Activation rows a panel tile takes next when `left` remain (4+ rows, compute-bound): 6 (the
// register budget), the last 7 as 4 + 3 so no row runs alone (decisions.md: panel-group).
static inline int panel_group(int left) { return left == 7 ? 4 : left < 6 ? left : 6; }
// Bytes a panel tile prefetches ahead of the column it reads, per thread, split evenly among the
// panels it streams side by side.  The hardware prefetchers alone keep too few lines in flight
// for a tile that spends several cycles per 32 weight bytes (4+ rows) (decisions.md:
// panel-prefetch).
constexpr size_t kPanelPrefetchBytes = 2048;
// The address `ahead` bytes past p, as an integer: a prefetch may point past the weight's end
// (it never faults), which pointer arithmetic may not.
static inline const char* prefetch_addr(const void* p, size_t ahead) {
  return (const char*)((uintptr_t)p + ahead);
}
// How a panel tile prefetches its panels.
// - kOnce: the tile is the panel's only reader in this call (1-3 activation rows, or one row
//   group): non-temporal, so the stream passes through L1 without displacing L2 / L3, which hold
//   the activations and the KV cache (a victim L3 takes a line for every L2 fill)
//   (decisions.md: panel-fetch-once).  The 1-3 row streams take the tuned hint instead where
//   the tuner chose one (tn_stream_choice: on Intel a non-temporal line skips L2, so the L2
//   streamer does not run ahead of it).
// - kReuse: later row groups read the panel again, so it must stay in L1 / L2 (T0).
// - kNone: an earlier row group of the same call has brought it in.
enum class PanelFetch { kNone, kReuse, kOnce };
static inline void prefetch_panel(const void* p, PanelFetch f) {
  if (f == PanelFetch::kOnce) __builtin_prefetch(p, 0, 0);
  else if (f == PanelFetch::kReuse) __builtin_prefetch(p, 0, 3);
}
// The prefetch instruction of a tn_stream_choice hint (TN_PREFETCH_*), a template parameter so
// that the stream tiles carry no branch per column.
template <int H>
static inline void prefetch_hint(const void* p) {
  if (H == TN_PREFETCH_NTA) __builtin_prefetch(p, 0, 0);
  else if (H == TN_PREFETCH_T1) __builtin_prefetch(p, 0, 2);
  else if (H == TN_PREFETCH_T0) __builtin_prefetch(p, 0, 3);
}
// f(std::integral_constant<int, hint>()) for a hint known at run time (TN_PREFETCH_NONE for an
// unknown one).
template <typename F>
static inline void with_prefetch_hint(int hint, F&& f) {
  switch (hint) {
    case TN_PREFETCH_NTA: f(std::integral_constant<int, TN_PREFETCH_NTA>()); break;
    case TN_PREFETCH_T1: f(std::integral_constant<int, TN_PREFETCH_T1>()); break;
    case TN_PREFETCH_T0: f(std::integral_constant<int, TN_PREFETCH_T0>()); break;
    default: f(std::integral_constant<int, TN_PREFETCH_NONE>()); break;
  }
}
// Activation rows up to which a product streams the weights (bandwidth-bound: decode) and takes
// the tuned stream kernels (panel_stream, panel_i8_stream) where the tuner chose a variant.
constexpr int kStreamMaxRows = 3;
// What the stream kernels do without a tuned choice: non-temporal, kPanelPrefetchBytes, two panels
// side by side, 32-row work items handed out one at a time (decisions.md: stream-choice).
constexpr tn_stream_choice kDefaultStream = {TN_PREFETCH_NTA, (int)kPanelPrefetchBytes, 2, 32, TN_SPLIT_ITEMS};
// The policy of one row group of a panel read by groups of rows [t, t + g) out of m.
static inline PanelFetch panel_fetch(int t, int g, int m) {
  return t > 0 ? PanelFetch::kNone : g < m ? PanelFetch::kReuse : PanelFetch::kOnce;
}
// The AVX-512 panel kernels' loop: two panels at a time (then the odd one), each pair run over
// the rows in groups of up to kMaxTileRows; only the first group fetches the panels from memory,
// the later ones find them in L1 / L2.  tile(p, t, rows, panels, fetch) runs activation rows
// [t, t + rows) over panels [p, p + panels), rows and panels as std::integral_constant.
template <typename Tile>
static inline void for_each_panel_tile(int m, int np, Tile&& tile) {
  for (int p = 0; p < np;) {
    const int s = np - p >= 2 ? 2 : 1;
    for (int t = 0; t < m; t += kMaxTileRows) {
      const int mr = m - t < kMaxTileRows ? m - t : kMaxTileRows;
      const PanelFetch f = panel_fetch(t, mr, m);
      with_tile_rows(mr, [&](auto rows) {
        if (s == 2) tile(p, t, rows, std::integral_constant<int, 2>(), f);
        else tile(p, t, rows, std::integral_constant<int, 1>(), f);
      });
    }
    p += s;
  }
}
// The NEON panel kernels' loop: one panel at a time, its rows in panel_group's groups (at most 6:
// 24 accumulators of the 32 vector registers).  tile(p, t, rows, fetch) runs activation rows
// [t, t + rows) over panel p, rows as std::integral_constant.
template <typename Tile>
static inline void for_each_panel_group(int m, int np, Tile&& tile) {
  for (int p = 0; p < np; p++)
    for (int t = 0; t < m;) {
      const int g = panel_group(m - t);
      const PanelFetch f = panel_fetch(t, g, m);
      switch (g) {
        case 1: tile(p, t, std::integral_constant<int, 1>(), f); break;
        case 2: tile(p, t, std::integral_constant<int, 2>(), f); break;
        case 3: tile(p, t, std::integral_constant<int, 3>(), f); break;
        case 4: tile(p, t, std::integral_constant<int, 4>(), f); break;
        case 5: tile(p, t, std::integral_constant<int, 5>(), f); break;
        default: tile(p, t, std::integral_constant<int, 6>(), f); break;
      }
      t += g;
    }
}
// Requests the cache lines of [p, p + bytes) (one head's row of a KV cache block).
static inline void prefetch_row(const void* p, size_t bytes) {
  for (size_t x = 0; x < bytes; x += 64) __builtin_prefetch((const char*)p + x);
}
// The leading rows of an [n, k] weight in a panel layout: all whole panels, or none (row-major).
static inline int panel_rows(bool panels, int n) { return panels ? n / kPanelRows * kPanelRows : 0; }
// out[t * ldo + 16 p + c] = sum_{i<k} x[t * ldx + i] * W[16 p + c, i] for t < m, p < np, c < 16:
// np consecutive panels (k * 16 elements each) from `panels`; any m >= 1 (the kernel tiles the
// rows itself).  A row's result depends on k only, never on m or the other rows: one FMA chain per
// output over k in order, on every level that has FMA (so the AVX-512 zmm tiles and the AVX2 tiles
// it takes for 1-3 rows give the same bits).
typedef void (*PanelFn)(const float* x, int ldx, int m, const void* panels, int k, int np, float* out, int ldo);
// The same product for 1 <= m <= kStreamMaxRows with the prefetch hint, distance and streams of
// a tn_stream_choice; the same bits as PanelFn for every choice (one FMA chain per output in the
// same order: the choice moves only prefetches and the order in which panels are visited).
typedef void (*PanelStreamFn)(const float* x, int ldx, int m, const void* panels, int k, int np, float* out, int ldo,
                              const tn_stream_choice& c);
// The same product for bf16 panels and activations that are bf16 values (bf16 mode), on a
// bf16 dot-product instruction: row t of x as ceil(k / 2) bf16 pairs at xb + t * ldxb (element 2q
// in the low half of pair q, the last pair's high half 0 for odd k; pack_bf16_pairs in linear.cpp).
// Sums pairs of products per step, so results differ from PanelFn's in f32 rounding only.
typedef void (*PanelDpFn)(const uint32_t* xb, int ldxb, int m, const void* panels, int k, int np, float* out,
                          int ldo);
// PanelDpFn for 1 <= m <= kStreamMaxRows with a tn_stream_choice's prefetch hint, distance and
// streams: the same bits as PanelDpFn for every choice (bf16 mode's decode takes the dot-product
// kernel too, so that a row's result does not depend on the row count; the weight's tuned streams
// still apply).
typedef void (*PanelDpStreamFn)(const uint32_t* xb, int ldxb, int m, const void* panels, int k, int np, float* out,
                                int ldo, const tn_stream_choice& c);
// Keys per attention sub-block: the kernel below takes at most this many at a time, and callers
// cut every key range at absolute positions that are multiples of it (and at KV block ends), so a
// query row meets the same sub-blocks however the rows around it are batched.
constexpr int kAttnKeys = 16;
// Query rows one attention work item takes at most (consecutive tokens of one sequence times the
// query group), and the rows the kernel scores per pass (their scores kept on its stack).
constexpr int kAttnBlockRows = 32;
// One sub-block of online-softmax (flash) attention for `rows` query rows that share one KV head:
// row r is hd floats at q + r * hd and sees keys [lo[r], hi[r]) of the n <= kAttnKeys keys and
// values at k + j * ld and v + j * ld (elements of the cache dtype); rows with lo[r] >= hi[r] are
// left alone.  Per row: s_j = (q . k_j) * scale, mx = max(m, max_j s_j), a = e^(m - mx) (0 while
// m is -inf), l = a l + sum_j e^(s_j - mx), acc = a acc + sum_j e^(s_j - mx) v_j, m = mx.  Each row's
// arithmetic depends on that row and its keys alone (never on `rows` or the other rows), which
// keeps prefill, chunked prefill, batched and split decode bit-identical per token.  work: 2 *
// kAttnKeys * hd floats, 32-byte aligned (the sub-block's keys and values widened to f32).
typedef void (*AttnBlockFn)(const float* q, int rows, int hd, float scale, const void* k, const void* v,
                            size_t ld, int n, const int* lo, const int* hi, float* m, float* l, float* acc,
                            float* work);
// The same sub-block over an int8 cache (TN_I8): key j is widen(k[j * ld + c]) * k_scale[j * sld]
// (its token's and head's symmetric scale, tn_reshape_and_cache), likewise v; each product is one
// f32 multiply, after which the arithmetic is AttnBlockFn's on those f32 keys and values.
typedef void (*AttnBlockI8Fn)(const float* q, int rows, int hd, float scale, const int8_t* k, const int8_t* v,
                              size_t ld, const float* k_scale, const float* v_scale, size_t sld, int n,
                              const int* lo, const int* hi, float* m, float* l, float* acc, float* work);
// g[i] = silu(g[i]) * u[i] for i < n (SwiGLU; silu as torch: x * sigmoid(x), exp to ~1 ulp).
typedef void (*SwigluFn)(float* g, const float* u, int n);
// out[i] = x[i] rounded to bf16 (round to nearest even, NaN kept quiet: f32_to_bf16) and widened
// back to f32; out may be x.
typedef void (*RoundBf16Fn)(const float* x, size_t n, float* out);
// sum of n floats (the read-bandwidth probe's stream)
typedef float (*SumFn)(const float* x, size_t n);
// runs iters rounds of independent FMAs in registers; returns the FLOPs done
typedef double (*PeakLoopFn)(long iters);

// The int8 row of the dispatch table (W8A8 dynamic, W8A16): integer dot products are exact, so
// every level gives bit-identical W8A8 results.
struct I8Kernels {
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
  // panel_i8 for m <= 2 with a tn_stream_choice's prefetch hint, distance and streams (exact: the
  // same int32 results); nullptr where the level has no tuned streams.
  void (*panel_i8_stream)(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out,
                          size_t ldo, const tn_stream_choice& c);
  // One activation row quantized per token (quantize.h's quantize_row_ref, bit for bit for finite x).
  void (*quantize_row)(const float* x, int k, int8_t* q, float* scale);
};

// The int8 panel layout (tn_pack_panels of a TN_I8 weight, k even): rows [16p, 16p + 16) become
// panel p, [k / 2][16][2]: the weights of input columns 2j and 2j + 1 of each of the 16 rows side by
// side, so one sign-extension of 16 bytes gives 8 rows' int16 pairs for vpmaddwd against a
// broadcast pair of activations.  Byte offset of (row c, column i) within a panel:
static inline size_t panel_i8_pos(int c, int i) { return (size_t)(i >> 1) * 32 + 2 * (size_t)c + (size_t)(i & 1); }

// The AVX2 body, which the AVX-512 table uses too, up to 3 activation rows or where the CPU lacks
// AVX512-VNNI (decisions.md: avx512-from-rows).
void panel_i8_avx2(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out, size_t ldo);
void panel_i8_stream_avx2(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out,
                         size_t ldo, const tn_stream_choice& c);
void quantize_row_avx2(const float* x, int k, int8_t* q, float* scale);
// kernels_i8_avx512vnni.cpp: panel_i8 on vpdpwssd, for the AVX-512 table from 4 rows where the CPU
// has AVX512-VNNI (same exact int32 results).
void panel_i8_avx512vnni(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out,
                         size_t ldo);

extern const I8Kernels kScalarI8Kernels;
extern const I8Kernels kAvx2I8Kernels;
extern const I8Kernels kAvx512I8Kernels;
// aarch64: the NEON row picks its dot products at start from what the CPU has (Armv8.2 dot
// product, i8mm), the exact int32 results being the same either way.
extern const I8Kernels kNeonI8Kernels;

// kernels_neon_i8.cpp: the Armv8.0 int8 bodies (widening multiply-accumulate).
int32_t dot_i8_neon(const int8_t* a, const int8_t* b, int n);
void dot_i8_rows_neon(const int8_t* const* x, int m, const int8_t* w, size_t ldw, int rows, int k, int32_t* out,
                      size_t ldo);
// kernels_neon_dot.cpp (Armv8.2 dot product, sdot): call only when has_neon_dot().
int32_t dot_i8_neon_dot(const int8_t* a, const int8_t* b, int n);
void dot_i8_rows_neon_dot(const int8_t* const* x, int m, const int8_t* w, size_t ldw, int rows, int k,
                          int32_t* out, size_t ldo);
// kernels_neon_i8mm.cpp (smmla: 2 activation rows x 2 weight rows x 8 columns per instruction):
// call only when has_neon_i8mm().
void dot_i8_rows_neon_i8mm(const int8_t* const* x, int m, const int8_t* w, size_t ldw, int rows, int k,
                           int32_t* out, size_t ldo);

struct Kernels {
  const char* isa_name;
  DotFn dot[kNumDTypes];
  AxpyFn axpy[kNumDTypes];
  AttnBlockFn attn[kNumDTypes];
  GemvTileFn gemv[kNumDTypes];
  GemvBatchFn gemv_batch[kNumDTypes];  // nullptr: 4 x 4 gemv tiles
  ActLayoutFn gemv_layout[kNumDTypes];
  PanelFn panel[kNumDTypes];
  PanelStreamFn panel_stream[kNumDTypes];  // nullptr: the level has no tuned streams
  PanelDpFn panel_bf16dp;  // nullptr where the level has none; usable only if has_bf16_dot()
  SwigluFn swiglu;
  RoundBf16Fn round_bf16;
  SumFn sum;
  PeakLoopFn fma_peak;
  const I8Kernels* i8;  // the TN_I8 row
  AttnBlockI8Fn attn_i8;  // attention over an int8 KV cache; nullptr: attn_i8_generic
  PanelDpStreamFn panel_bf16dp_stream;  // nullptr: panel_bf16dp's built-in streams
};

extern const Kernels kScalarKernels;
extern const Kernels kAvx2Kernels;
extern const Kernels kAvx512Kernels;
// aarch64 (kernels_neon.cpp): the scalar table with the NEON bodies in place of the portable ones
// it has (attention, SwiGLU, rounding and packing stay the scalar table's).
extern const Kernels kNeonKernels;
// kernels_neon_bf16.cpp: the NEON table's panel_bf16dp (bfdot; call only when has_neon_bf16()).
void panel_bf16dp_neon(const uint32_t* xb, int ldxb, int m, const void* w, int k, int np, float* out, int ldo);

// SwiGLU's gate activation, as torch's SiLU: x * sigmoid(x).
static inline float silu(float v) { return v / (1.f + expf(-v)); }

// The AVX2 panel kernels: the AVX-512 table uses them for 1-3 activation rows (bandwidth-bound
// streams, where wider vectors add nothing); from 4 rows it runs the zmm tiles below, which give
// the same bits (decisions.md: avx512-from-rows).  bf16 mode on a CPU with AVX512-BF16 takes
// panel_bf16dp for every row count instead.
void panel_avx2_f32(const float* x, int ldx, int m, const void* panels, int k, int np, float* out, int ldo);
void panel_avx2_f16(const float* x, int ldx, int m, const void* panels, int k, int np, float* out, int ldo);
void panel_avx2_bf16(const float* x, int ldx, int m, const void* panels, int k, int np, float* out, int ldo);
void panel_stream_avx2_f32(const float* x, int ldx, int m, const void* panels, int k, int np, float* out, int ldo,
                          const tn_stream_choice& c);
void panel_stream_avx2_f16(const float* x, int ldx, int m, const void* panels, int k, int np, float* out, int ldo,
                          const tn_stream_choice& c);
void panel_stream_avx2_bf16(const float* x, int ldx, int m, const void* panels, int k, int np, float* out, int ldo,
                           const tn_stream_choice& c);
void round_bf16_avx2(const float* x, size_t n, float* out);
// kernels_avx512_panel.cpp: zmm FMA panel tiles (any m; the AVX-512 table calls them from 4 rows).
void panel_avx512_zmm_f32(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo);
void panel_avx512_zmm_f16(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo);
void panel_avx512_zmm_bf16(const float* x, int ldx, int m, const void* w, int k, int np, float* out, int ldo);
// kernels_avx512bf16.cpp: the AVX-512 table's panel_bf16dp (vdpbf16ps; needs AVX512-BF16 and BW).
void panel_bf16dp_avx512(const uint32_t* xb, int ldxb, int m, const void* w, int k, int np, float* out, int ldo);
void panel_bf16dp_stream_avx512(const uint32_t* xb, int ldxb, int m, const void* w, int k, int np, float* out,
                                int ldo, const tn_stream_choice& c);

// The portable SwiGLU and int8-cache attention (kernels_scalar.cpp, baseline flags: callable from
// every table).
void swiglu_generic(float* g, const float* u, int n);
void attn_i8_generic(const float* q, int rows, int hd, float scale, const int8_t* k, const int8_t* v, size_t ld,
                     const float* k_scale, const float* v_scale, size_t sld, int n, const int* lo, const int* hi,
                     float* m, float* l, float* acc, float* work);

// The table of the active ISA level.
const Kernels& kernels();

// Probe loops of the dot-product extensions (their own ISA files); FLOPs / integer ops done.
// Call only when the matching has_* is true.
double bf16_dot_peak_loop(long iters);   // kernels_avx512bf16.cpp: vdpbf16ps
double bfdot_peak_loop(long iters);       // kernels_neon_bf16.cpp: bfdot
double vnni_peak_loop(long iters);       // kernels_vnni.cpp: vpdpbusd (AVX512-VNNI)
double avxvnni_peak_loop(long iters);    // kernels_vnni.cpp: vpdpbusd (AVX-VNNI, ymm)
bool has_avx512_bf16();
bool has_avx512_vnni();
bool has_avx_vnni();
// aarch64 HWCAP bits (false elsewhere): Armv8.2 dot product, BF16, i8mm.
bool has_neon_dot();
bool has_neon_bf16();
bool has_neon_i8mm();
// kernels_amx.cpp (AMX tiles; call only when amx_state() is TN_AMX_USABLE): the AMX table's
// panel_bf16dp and panel_i8 bodies (the same products; bf16 pairs summed in TDPBF16PS's order,
// int8 exact) and the peak loops.
void panel_bf16dp_amx(const uint32_t* xb, int ldxb, int m, const void* w, int k, int np, float* out, int ldo);
void panel_i8_amx(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out, size_t ldo);
double amx_bf16_peak_loop(long iters);  // TDPBF16PS
double amx_int8_peak_loop(long iters);  // TDPBSSD
// kernels_amx_platform.cpp: the tiles' TN_AMX_* state (the Linux permission requested on the first
// call), the AMX level's table (x86-64), and the peak loop of a TN_PEAK_AMX_* kind (nullptr unless
// the AMX level is active).
int amx_state();
const Kernels& amx_kernels();
PeakLoopFn amx_peak(int kind);
// The CPU has the instruction of the tables' panel_bf16dp (AVX512-BF16, or Arm BF16).
bool has_bf16_dot();
// That instruction's peak loop, nullptr without has_bf16_dot().
PeakLoopFn bf16_dot_peak();

}  // namespace tn
#endif
