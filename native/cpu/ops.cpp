// The backend operations (one per Backend SPI call), written against the kernel table so each
// runs on whichever ISA level is active.  Argument checks happen here, at the JNI edge.
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <atomic>

#include "kernels.h"
#include "profile.h"
#include "qkernels.h"
#include "scratch.h"
#include "threadpool.h"
#include "tramontane_cpu.h"

using namespace tn;

namespace {
std::atomic<uint64_t> g_weight_bytes{0};
}  // namespace

void tn::count_weight_bytes(size_t bytes) { g_weight_bytes.fetch_add(bytes, std::memory_order_relaxed); }

namespace {

constexpr int kMaxHeadDim = 512;
// Query heads per KV head the attention kernel takes (Mixtral 8x7B: 4, 8x22B: 6).
constexpr int kMaxGroup = 16;
// Activation rows from which a linear runs as packed GEMM instead of gemv tiles.
// Measured on AVX2 (bf16 weights, one thread, in-process A/B): packed GEMM loses to gemv tiles at
// 8 rows (30-36 vs 36-40 GFLOP/s) and wins from 16 (41-44 vs 33-37), 64 (60-66 vs 47).
constexpr int kGemmMinRows = 12;
// Below this many multiply-adds a linear runs on the calling thread alone.
constexpr size_t kMinParallelMacs = 1 << 16;

const void* row_ptr(const void* base, int dtype, int64_t row, int64_t row_len) {
  return (const char*)base + (size_t)(row * row_len) * kDTypes[dtype].elem_bytes;
}
void* row_ptr(void* base, int dtype, int64_t row, int64_t row_len) {
  return (char*)base + (size_t)(row * row_len) * kDTypes[dtype].elem_bytes;
}

// Flash-decoding splits of a token's keys: at least kMinSplitBlocks KV blocks each, at most
// kMaxSplits per token.  Each split restarts the online softmax and costs a merge, whole items
// included (that keeps results independent of the pool): measured on AVX2 (group 4, head dim 64,
// 1000 keys) 8 splits cost whole items ~4%, 16 ~8%.  Decode splits its items below
// kSplitItemsPerThread (token, KV head) items per pool thread.
constexpr int kSplitItemsPerThread = 4;
constexpr int kMinSplitBlocks = 4;
constexpr int kMaxSplits = 8;

// A token's keys [first, pos] (positions, inside the window) cut into n splits of whole KV blocks
// (the first and last clipped to the range).  Derived from the range alone, so the splits, and
// the float sums over them, are the same for every thread count.
struct KeySplit {
  int first, pos, bs, b0, nb, n;
  KeySplit() = default;
  KeySplit(int pos_, int window, int bs_) : pos(pos_), bs(bs_) {
    first = window > 0 && pos - window + 1 > 0 ? pos - window + 1 : 0;
    b0 = first / bs;
    nb = pos / bs - b0 + 1;
    n = nb / kMinSplitBlocks < 1 ? 1 : nb / kMinSplitBlocks < kMaxSplits ? nb / kMinSplitBlocks : kMaxSplits;
  }
  int begin(int c) const {
    const int j = (b0 + (int)((int64_t)c * nb / n)) * bs;
    return j > first ? j : first;
  }
  int end(int c) const { return c + 1 == n ? pos + 1 : (b0 + (int)((int64_t)(c + 1) * nb / n)) * bs; }
};

// Each cell's keys and values are widened once for all kAttnBlockRows rows of an item.
static_assert(kMaxGroup <= kAttnBlockRows, "one token's group fits an item");

// A pool thread's attention buffers, grow-only: kv (the kernel's work, 64-byte aligned), the
// item's query rows q [rows][hd], m (4 x rows: the split partial's m and l, the run's m and l)
// and acc (2 x rows x hd: the partial's, the run's); lo / hi per row for the kernel.
struct AttnScratch {
  float *kv, *q, *m, *acc;
  int lo[kAttnBlockRows], hi[kAttnBlockRows];
};
AttnScratch* attn_scratch(int hd) {
  static thread_local AlignedBuf buf;
  static thread_local AttnScratch w;
  const size_t R = kAttnBlockRows, kv = 2 * (size_t)kAttnKeys * hd;
  float* f = scratch<float>(buf, kv + 3 * R * hd + 4 * R);
  if (!f) return nullptr;
  w.kv = f;
  w.q = f + kv;
  w.acc = w.q + R * hd;
  w.m = w.acc + 2 * R * hd;
  return &w;
}

// Folds a partial softmax (pm, pl, pacc) of g heads into the running one (m, l, acc): both are
// rescaled to the larger max, as the online softmax does within a split.
void merge_partial(int g, int hd, float* m, float* l, float* acc, const float* pm, const float* pl,
                   const float* pacc) {
  for (int h = 0; h < g; h++) {
    const float mx = m[h] > pm[h] ? m[h] : pm[h], a = expf(m[h] - mx), b = expf(pm[h] - mx);
    l[h] = l[h] * a + pl[h] * b;
    m[h] = mx;
    float* o = acc + (size_t)h * hd;
    const float* po = pacc + (size_t)h * hd;
    for (int i = 0; i < hd; i++) o[i] = o[i] * a + po[i] * b;
  }
}

// Activations rounded to bf16 on the calling thread alone below this many, else across the pool
// in blocks of kRoundBlock.
constexpr size_t kMinParallelRound = 1 << 16, kRoundBlock = 1 << 14;

// bf16 panels times bf16-valued activations (bf16 mode) take the bf16 dot-product kernel from
// this many activation rows, where the CPU has one: compute-bound tiles, and vdpbf16ps does two
// products per lane where an FMA does one (perf-anchors.md: ~1.2-1.9x the FP32 FMA peak).
// Fewer rows stay on the f32 tiles, which stream the weights at the bandwidth limit already.
constexpr int kDpMinRows = 4;

int bf16_pairs_per_row(int k) { return (k + 1) / 2; }

// Whether a product of m activation rows (bf16 values when round_act) with weights of dtype dt
// in panels takes kt.panel_bf16dp.
bool use_bf16dp(const Kernels& kt, int dt, bool panels, int round_act, int m) {
  return panels && round_act && dt == TN_BF16 && m >= kDpMinRows && kt.panel_bf16dp && has_avx512_bf16();
}

// x [m, k] as bf16 pairs for PanelDpFn (kernels.h): xb[t * kp + q] = bf16(x[t][2q]) | bf16(x[t][2q + 1])
// << 16 with kp = bf16_pairs_per_row(k), 0 past the end of an odd row.  x holds bf16 values in
// bf16 mode, so the rounding (nearest even) is exact; across the pool for large x.
void pack_bf16_pairs(const float* x, int m, int k, uint32_t* xb) {
  const int kp = bf16_pairs_per_row(k);
  auto rows = [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) {
      const float* xr = x + (size_t)t * k;
      uint32_t* o = xb + (size_t)t * kp;
      for (int q = 0; q < k / 2; q++)
        o[q] = (uint32_t)f32_to_bf16(xr[2 * q]) | (uint32_t)f32_to_bf16(xr[2 * q + 1]) << 16;
      if (k & 1) o[kp - 1] = f32_to_bf16(xr[k - 1]);
    }
  };
  if ((size_t)m * k < kMinParallelRound) rows(0, m);
  else parallel_for(m, [&](int64_t b, int64_t e) { rows(b, e); });
}

// Output columns [r0, r1) of out[t * ldo + r] = x[t, :] . w[r, :] for all m rows of x (ldx = k).
// Rows below prows are in the panel layout (r0 then a multiple of kPanelRows) and take the panel
// kernel for any m.  Row-major rows: few activation rows take gemv tiles (each weight byte
// streamed once, activation tiles reused from L1); many take the packed GEMM (each NR-row panel
// widened once into L2, every activation row run over it).
// xg: x in the gemv kernel's layout (kt.gemv_layout[dt]; x itself where that is nullptr).
// xb: x as bf16 pairs (pack_bf16_pairs) where the panel rows take the bf16 dot-product kernel, else nullptr.
void linear_rows(const Kernels& kt, const float* x, const float* xg, int m, int k, const void* w, int dt, int r0,
                 int r1, float* out, int ldo, int prows, const uint32_t* xb = nullptr) {
  const size_t eb = (size_t)kDTypes[dt].elem_bytes;
  if (r0 < prows) {
    const int pe = r1 < prows ? r1 : prows;
    const void* pw = (const char*)w + (size_t)r0 * k * eb;
    if (xb)
      kt.panel_bf16dp(xb, bf16_pairs_per_row(k), m, pw, k, (pe - r0) / kPanelRows, out + r0, ldo);
    else
      kt.panel[dt](x, k, m, pw, k, (pe - r0) / kPanelRows, out + r0, ldo);
    if (pe == r1) return;
    r0 = pe;
  }
  if (m >= kGemmMinRows) {
    static thread_local AlignedBuf panel_buf;
    const int nr = kt.gemm_nr, mr = kt.gemm_mr;
    float* panel = scratch<float>(panel_buf, (size_t)k * nr);
    for (int r = r0; r < r1; r += nr) {
      int rows = r1 - r < nr ? r1 - r : nr;
      kt.pack[dt]((const char*)w + (size_t)r * k * eb, (size_t)k, rows, k, panel);
      for (int t = 0; t < m; t += mr)
        kt.gemm_micro(x + (size_t)t * k, k, m - t < mr ? m - t : mr, panel, k, out + (size_t)t * ldo + r, ldo,
                      rows);
    }
    return;
  }
  if (kt.gemv_batch[dt]) {
    kt.gemv_batch[dt](xg, k, m, (const char*)w + (size_t)r0 * k * eb, (size_t)k, r1 - r0, k, out + r0, ldo);
    return;
  }
  for (int r = r0; r < r1; r += 4) {
    int rows = r1 - r < 4 ? r1 - r : 4;
    const void* wr = (const char*)w + (size_t)r * k * eb;
    for (int t = 0; t < m; t += 4)
      kt.gemv[dt](xg + (size_t)t * k, k, m - t < 4 ? m - t : 4, wr, (size_t)k, rows, k, out + (size_t)t * ldo + r,
                  ldo);
  }
}

// Rows per work item: a multiple of the gemv tile (4), of every ISA's GEMM panel width and of
// kPanelRows (panel-layout weights: two panels, any m).
int linear_block(const Kernels& kt, int m, bool panels) { return m >= kGemmMinRows && !panels ? kt.gemm_nr : 32; }

// x as the kernels consume it: rounded to bf16 values (kept in f32) in bf16-activation mode,
// the caller's buffer otherwise.  Products of two bf16 values are exact in f32, so f32 FMAs over
// the rounded activations compute what a bf16 x bf16 -> f32 dot product computes.
const float* prepare_act(const float* x, size_t n, int w_dtype, int round_act, AlignedBuf& buf) {
  if (!(round_act && w_dtype == TN_BF16)) return x;
  float* xr = scratch<float>(buf, n);
  if (!xr) return nullptr;
  const Kernels& kt = kernels();
  if (n < kMinParallelRound) {
    kt.round_bf16(x, n, xr);
  } else {
    parallel_for((int64_t)((n + kRoundBlock - 1) / kRoundBlock), [&](int64_t b, int64_t e) {
      const size_t i0 = (size_t)b * kRoundBlock, i1 = (size_t)e * kRoundBlock < n ? (size_t)e * kRoundBlock : n;
      kt.round_bf16(x + i0, i1 - i0, xr + i0);
    });
  }
  return xr;
}

// x rearranged for the gemv kernel of dtype dt when it wants that (see kernels.h), else x.
const float* gemv_act(const Kernels& kt, int dt, const float* x, int m, int k, float* buf) {
  if (!kt.gemv_layout[dt]) return x;
  kt.gemv_layout[dt](x, m, k, buf);
  return buf;
}

int linear_impl(const float* x, int m, int k, const void* w, int w_dtype, int n, float* out,
                int round_act) {
  const bool panels = (w_dtype & TN_W_PANELS) != 0;
  w_dtype &= ~TN_W_PANELS;
  if (m < 0 || k <= 0 || n <= 0 || !valid_dtype(w_dtype)) return TN_E_ARG;
  if (m == 0) return TN_OK;
  const Kernels& kt = kernels();
  static thread_local AlignedBuf act_buf;
  const float* xr = prepare_act(x, (size_t)m * k, w_dtype, round_act, act_buf);
  if (!xr) return TN_E_NOMEM;
  const int prows = panel_rows(panels, n);
  static thread_local AlignedBuf layout_buf;
  const float* xg = m < kGemmMinRows && prows < n
                        ? gemv_act(kt, w_dtype, xr, m, k, scratch<float>(layout_buf, (size_t)m * k)) : xr;
  const uint32_t* xb = nullptr;
  if (prows > 0 && use_bf16dp(kt, w_dtype, panels, round_act, m)) {
    static thread_local AlignedBuf pairs_buf;
    uint32_t* packed = scratch<uint32_t>(pairs_buf, (size_t)m * bf16_pairs_per_row(k));
    if (!packed) return TN_E_NOMEM;
    pack_bf16_pairs(xr, m, k, packed);
    xb = packed;
  }
  count_weight_bytes((size_t)n * k * kDTypes[w_dtype].elem_bytes);
  if ((size_t)m * n * k < kMinParallelMacs) {
    linear_rows(kt, xr, xg, m, k, w, w_dtype, 0, n, out, n, prows, xb);
    return TN_OK;
  }
  const int blk = linear_block(kt, m, panels);
  parallel_items((n + blk - 1) / blk, [&](int64_t b) {
    int r0 = (int)b * blk, r1 = r0 + blk < n ? r0 + blk : n;
    linear_rows(kt, xr, xg, m, k, w, w_dtype, r0, r1, out, n, prows, xb);
  });
  return TN_OK;
}

// Rewrites the 16 rows [16][k] at p as one panel: element (row c, column i) moves to pos(c, i)
// (elements of type E, moved as bits).
template <typename E, typename Pos>
bool to_panel(void* p, int k, Pos pos) {
  static thread_local AlignedBuf rows_buf;
  E* rows = scratch<E>(rows_buf, (size_t)kPanelRows * k);
  if (!rows) return false;
  E* panel = (E*)p;
  memcpy(rows, panel, sizeof(E) * kPanelRows * k);
  for (int c = 0; c < kPanelRows; c++)
    for (int i = 0; i < k; i++) panel[pos(c, i)] = rows[(size_t)c * k + i];
  return true;
}

// The float panel layout (kernels.h): column i's 16 weights side by side, in panel_pos order.
auto float_pos(int dtype) {
  return [dtype](int c, int i) { return (size_t)i * kPanelRows + panel_pos(dtype, c); };
}

struct int2_item {
  int seg, r0, r1;
};

}  // namespace

extern "C" {

int tn_set_threads(int num_threads) { return pool_resize(num_threads); }
int tn_num_threads(void) { return pool_threads(); }

int tn_convert(const void* src, int src_dtype, void* dst, int dst_dtype, size_t n) {
  if (!valid_dtype(src_dtype) || !valid_dtype(dst_dtype) || !src || !dst) return TN_E_ARG;
  parallel_for((int64_t)n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) store_elem(dst, dst_dtype, i, load_elem(src, src_dtype, i));
  });
  return TN_OK;
}

int tn_pack_panels(void* w, int dtype, int64_t batch, int64_t n, int64_t k) {
  const bool i8 = dtype == TN_I8;
  if (!w || !(valid_dtype(dtype) || i8) || batch < 0 || n < 0 || k <= 0 || k > INT32_MAX || n > INT32_MAX ||
      (i8 && k % 2))
    return TN_E_ARG;
  const int64_t per = n / kPanelRows;  // whole panels per matrix
  const size_t eb = i8 ? 1 : (size_t)kDTypes[dtype].elem_bytes;
  std::atomic<bool> ok{true};
  // Panels never overlap, so each is rewritten from a copy of its own 16 rows.
  parallel_items(batch * per, [&](int64_t item) {
    char* p = (char*)w + ((size_t)(item / per) * n * k + (size_t)(item % per) * kPanelRows * k) * eb;
    const bool done = i8 ? to_panel<int8_t>(p, (int)k, [](int c, int i) { return panel_i8_pos(c, i); })
                      : eb == 4 ? to_panel<uint32_t>(p, (int)k, float_pos(dtype))
                                : to_panel<uint16_t>(p, (int)k, float_pos(dtype));
    if (!done) ok.store(false, std::memory_order_relaxed);
  });
  return ok.load() ? TN_OK : TN_E_NOMEM;
}

int tn_embedding(const void* table, int dtype, int64_t vocab, int hidden, const int32_t* ids,
                 int num_tokens, float* out) {
  TN_PROF("embedding", num_tokens, hidden);
  if (!valid_dtype(dtype) || hidden <= 0 || num_tokens < 0) return TN_E_ARG;
  for (int t = 0; t < num_tokens; t++)
    if (ids[t] < 0 || ids[t] >= vocab) return TN_E_INDEX;
  count_weight_bytes((size_t)num_tokens * hidden * kDTypes[dtype].elem_bytes);
  for (int t = 0; t < num_tokens; t++) {
    const void* row = row_ptr(table, dtype, ids[t], hidden);
    for (int i = 0; i < hidden; i++) out[(size_t)t * hidden + i] = load_elem(row, dtype, i);
  }
  return TN_OK;
}

int tn_rms_norm(const float* x, const float* w, float* out, int rows, int dim, float eps) {
  TN_PROF("rms_norm", rows, dim);
  if (rows < 0 || dim <= 0) return TN_E_ARG;
  const Kernels& kt = kernels();
  parallel_for(rows, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      const float* xr = x + (size_t)r * dim;
      float ss = kt.dot[TN_F32](xr, xr, dim);
      float inv = 1.f / sqrtf(ss / (float)dim + eps);
      float* o = out + (size_t)r * dim;
      for (int i = 0; i < dim; i++) o[i] = w[i] * (xr[i] * inv);
    }
  });
  return TN_OK;
}

int tn_linear(const float* x, int m, int k, const void* w, int w_dtype, int n, float* out,
              int round_act) {
  TN_PROF(m == 1 ? "linear m=1" : "linear", n, k);
  return linear_impl(x, m, k, w, w_dtype, n, out, round_act);
}

int tn_rope(float* q, int q_stride, float* k, int k_stride, const int32_t* positions,
            int num_tokens, int num_heads, int num_kv_heads, int head_dim, float theta) {
  TN_PROF("rope", num_tokens);
  if (head_dim <= 0 || head_dim % 2 || head_dim > kMaxHeadDim || num_tokens < 0) return TN_E_ARG;
  int half = head_dim / 2;
  // inv_freq as HF computes it: 1 / theta^(2i/d), in f32
  float inv_freq[kMaxHeadDim / 2];
  for (int i = 0; i < half; i++)
    inv_freq[i] = (float)(1.0 / pow((double)theta, (double)(2 * i) / (double)head_dim));
  for (int t = 0; t < num_tokens; t++)
    if (positions[t] < 0) return TN_E_INDEX;
  parallel_for(num_tokens, [&](int64_t b, int64_t e) {
    float cs[kMaxHeadDim / 2], sn[kMaxHeadDim / 2];
    for (int64_t t = b; t < e; t++) {
      float pos = (float)positions[t];
      for (int i = 0; i < half; i++) {
        float f = pos * inv_freq[i];
        cs[i] = cosf(f);
        sn[i] = sinf(f);
      }
      auto rotate = [&](float* v, int heads) {
        for (int h = 0; h < heads; h++) {
          float* x = v + (size_t)h * head_dim;
          for (int i = 0; i < half; i++) {
            float x1 = x[i], x2 = x[i + half];
            x[i] = x1 * cs[i] - x2 * sn[i];
            x[i + half] = x2 * cs[i] + x1 * sn[i];
          }
        }
      };
      rotate(q + (size_t)t * q_stride, num_heads);
      rotate(k + (size_t)t * k_stride, num_kv_heads);
    }
  });
  return TN_OK;
}

int tn_reshape_and_cache(const float* k, int k_stride, const float* v, int v_stride,
                         int num_tokens, const int32_t* slot_mapping, void* k_cache,
                         void* v_cache, const tn_kv_layout* kv) {
  TN_PROF("reshape_and_cache", num_tokens);
  if (!kv || !valid_dtype(kv->dtype) || kv->block_size <= 0 || kv->num_blocks <= 0)
    return TN_E_ARG;
  int64_t num_slots = (int64_t)kv->num_blocks * kv->block_size;
  int kv_dim = kv->num_kv_heads * kv->head_dim;
  for (int t = 0; t < num_tokens; t++)
    if (slot_mapping[t] < 0 || slot_mapping[t] >= num_slots) return TN_E_INDEX;
  for (int t = 0; t < num_tokens; t++) {
    void* kd = row_ptr(k_cache, kv->dtype, slot_mapping[t], kv_dim);
    void* vd = row_ptr(v_cache, kv->dtype, slot_mapping[t], kv_dim);
    for (int i = 0; i < kv_dim; i++) {
      store_elem(kd, kv->dtype, i, k[(size_t)t * k_stride + i]);
      store_elem(vd, kv->dtype, i, v[(size_t)t * v_stride + i]);
    }
  }
  return TN_OK;
}

int tn_paged_attention(const float* q, int q_stride, const void* k_cache, const void* v_cache,
                       const tn_kv_layout* kv, const tn_attention_params* p,
                       const int32_t* seq_idx, const int32_t* positions,
                       const int32_t* block_tables, float* out) {
  TN_PROF("paged_attention", p ? p->num_tokens : 0);
  if (!kv || !p || !valid_dtype(kv->dtype) || kv->head_dim <= 0 || kv->head_dim > kMaxHeadDim ||
      kv->num_kv_heads <= 0 || p->num_heads <= 0 || p->num_heads % kv->num_kv_heads != 0 || kv->block_size <= 0)
    return TN_E_ARG;
  const int hd = kv->head_dim, bs = kv->block_size, mb = p->max_blocks_per_seq;
  // Check every index the loops below will follow before touching memory.
  for (int t = 0; t < p->num_tokens; t++) {
    // positions below INT_MAX: a token's key range ends at positions[t] + 1
    if (seq_idx[t] < 0 || seq_idx[t] >= p->num_seqs || positions[t] < 0 || positions[t] == INT_MAX)
      return TN_E_INDEX;
    int last_block = positions[t] / bs;
    if (last_block >= mb) return TN_E_INDEX;
    for (int b = 0; b <= last_block; b++) {
      int32_t id = block_tables[(size_t)seq_idx[t] * mb + b];
      if (id < 0 || id >= kv->num_blocks) return TN_E_INDEX;
    }
  }
  const int group = p->num_heads / kv->num_kv_heads;
  if (group > kMaxGroup) return TN_E_ARG;
  const int nkv = kv->num_kv_heads, T = p->num_tokens;
  const size_t ld = (size_t)nkv * hd;  // elements between consecutive slots of one KV head
  const size_t eb = (size_t)kDTypes[kv->dtype].elem_bytes;
  const size_t gsize = (size_t)group * hd;
  AttnBlockFn attn = kernels().attn[kv->dtype];
  // Key cells: kAttnKeys-aligned positions, cut at KV block ends.  Every key range is walked cell by
  // cell and each kernel call starts at its cell's first position (rows mask what they do not
  // see), so a key sits in the same lane of the same sub-block whichever rows share the call.
  auto cell_start = [&](int x) { return std::max(x / kAttnKeys * kAttnKeys, x / bs * bs); };
  // in 64 bits: the next multiple of kAttnKeys or bs may pass INT_MAX (callers clip it to their range)
  auto cell_end = [&](int x) {
    return std::min(((int64_t)x / kAttnKeys + 1) * kAttnKeys, ((int64_t)x / bs + 1) * bs);
  };
  // Runs `nt` consecutive tokens from t0 (one sequence, consecutive positions: rows i * group + h)
  // of KV head kvh over their key positions [ka[i], kb[i]) into the online-softmax state (m, l,
  // acc: rows x (1, 1, hd)).  enter(i, x) is called before token i's first key x of each cell.
  auto sweep = [&](AttnScratch& w, int t0, int nt, int kvh, const int* ka, const int* kb, float* m, float* l,
                   float* acc, auto&& enter) {
    const int rows = nt * group;
    for (int i = 0; i < nt; i++)
      memcpy(w.q + (size_t)i * gsize, q + (size_t)(t0 + i) * q_stride + (size_t)kvh * gsize, gsize * sizeof(float));
    int lo = ka[0], hi = kb[0];
    for (int i = 1; i < nt; i++) lo = std::min(lo, ka[i]), hi = std::max(hi, kb[i]);
    const int32_t* table = block_tables + (size_t)seq_idx[t0] * mb;
    auto slot = [&](int x) { return (((size_t)table[x / bs] * bs + x % bs) * nkv + kvh) * hd * eb; };
    // Block tables scatter the cells: no prefetcher sees the next one coming, so its key and value
    // rows are requested while this one is scored.
    auto prefetch_cell = [&](int a) {
      const size_t at = slot(a);
      for (int j = 0, n = (int)std::min(cell_end(a), (int64_t)hi) - a; j < n; j++) {
        prefetch_row((const char*)k_cache + at + j * ld * eb, (size_t)hd * eb);
        prefetch_row((const char*)v_cache + at + j * ld * eb, (size_t)hd * eb);
      }
    };
    for (int a = cell_start(lo); a < hi;) {
      const int e = (int)std::min(cell_end(a), (int64_t)hi);
      if (e < hi) prefetch_cell(e);
      for (int i = 0; i < nt; i++) {
        const int j0 = std::max(ka[i], a) - a, j1 = std::min(kb[i], e) - a;
        const bool any = j0 < j1;
        if (any) enter(i, a + j0);
        for (int h = 0; h < group; h++) {
          w.lo[i * group + h] = any ? j0 : 0;
          w.hi[i * group + h] = any ? j1 : 0;
        }
      }
      const size_t at = slot(a);
      attn(w.q, rows, hd, p->scale, (const char*)k_cache + at, (const char*)v_cache + at, ld, e - a, w.lo, w.hi, m, l,
           acc, w.kv);
      a = e;
    }
  };
  auto reset = [&](int rows, float* m, float* l, float* acc) {
    for (int r = 0; r < rows; r++) m[r] = -INFINITY, l[r] = 0.f;
    memset(acc, 0, (size_t)rows * hd * sizeof(float));
  };
  auto finish = [&](int t, int kvh, const float* l, const float* acc) {
    float* o = out + (size_t)t * p->num_heads * hd + (size_t)kvh * gsize;
    for (int h = 0; h < group; h++) {
      const float inv = 1.f / l[h];
      for (int i = 0; i < hd; i++) o[(size_t)h * hd + i] = acc[(size_t)h * hd + i] * inv;
    }
  };
  // A partial softmax of one token's query group, as the split items park it: acc [group * hd],
  // then m [group], then l [group].
  const size_t psize = gsize + 2 * (size_t)group;
  auto merge = [&](float* run, const float* part) {
    merge_partial(group, hd, run + gsize, run + gsize + group, run, part + gsize, part + gsize + group, part);
  };
  // Decode with fewer (token, KV head) items than pool threads, or a count that leaves threads
  // idle in the last round: every split is its own work item, its partial parked in scratch, and
  // a second pass merges each item's partials in split order.  Whole items below fold theirs in
  // the same order over the same cells, so both paths give the same bits and the thread count
  // never shows.
  const int64_t threads = pool_threads();
  if ((int64_t)T * nkv % threads != 0 && (int64_t)T * nkv < kSplitItemsPerThread * threads) {
    static thread_local AlignedBuf split_buf, part_buf;
    int* split0 = scratch<int>(split_buf, (size_t)T + 1);  // token t's splits: [split0[t], split0[t + 1])
    if (!split0) return TN_E_NOMEM;
    split0[0] = 0;
    for (int t = 0; t < T; t++) split0[t + 1] = split0[t] + KeySplit(positions[t], p->window, bs).n;
    if (split0[T] > T) {
      float* part = scratch<float>(part_buf, (size_t)split0[T] * nkv * psize);  // [split][kv head]
      if (!part) return TN_E_NOMEM;
      std::atomic<bool> nomem{false};
      parallel_items((int64_t)split0[T] * nkv, [&](int64_t item) {
        AttnScratch* w = attn_scratch(hd);
        if (!w) return nomem.store(true);
        const int s = (int)(item / nkv), kvh = (int)(item % nkv);
        int t = 0;
        while (split0[t + 1] <= s) t++;
        const KeySplit ks(positions[t], p->window, bs);
        const int ka = ks.begin(s - split0[t]), kb = ks.end(s - split0[t]);
        float* pt = part + (size_t)item * psize;
        reset(group, pt + gsize, pt + gsize + group, pt);
        sweep(*w, t, 1, kvh, &ka, &kb, pt + gsize, pt + gsize + group, pt, [](int, int) {});
      });
      if (nomem) return TN_E_NOMEM;
      parallel_items((int64_t)T * nkv, [&](int64_t item) {
        const int t = (int)(item / nkv), kvh = (int)(item % nkv);
        float* run = part + ((size_t)split0[t] * nkv + kvh) * psize;
        for (int s = split0[t] + 1; s < split0[t + 1]; s++) merge(run, part + ((size_t)s * nkv + kvh) * psize);
        finish(t, kvh, run + gsize + group, run);
      });
      return TN_OK;
    }
  }
  // Whole items: up to kAttnBlockRows query rows (consecutive tokens of one sequence times the
  // group) share every cell's widened keys and values; each token folds its splits' partials
  // into its run in split order as the walk crosses them.
  const int max_tokens = std::max(1, kAttnBlockRows / group);
  static thread_local AlignedBuf block_buf;
  int* block0 = scratch<int>(block_buf, (size_t)T + 1);  // item blocks: tokens [block0[b], block0[b + 1])
  if (!block0) return TN_E_NOMEM;
  int nblocks = 0;
  for (int t = 0; t < T; t++)
    if (t == 0 || t - block0[nblocks - 1] == max_tokens || seq_idx[t] != seq_idx[t - 1] ||
        positions[t] != positions[t - 1] + 1)
      block0[nblocks++] = t;
  block0[nblocks] = T;
  std::atomic<bool> nomem{false};
  parallel_items((int64_t)nblocks * nkv, [&](int64_t item) {
    AttnScratch* w = attn_scratch(hd);
    if (!w) return nomem.store(true);
    const int b = (int)(item / nkv), kvh = (int)(item % nkv), t0 = block0[b], nt = block0[b + 1] - t0;
    const int rows = nt * group;
    int ka[kAttnBlockRows], kb[kAttnBlockRows], split[kAttnBlockRows];
    KeySplit ks[kAttnBlockRows];
    for (int i = 0; i < nt; i++) {
      ks[i] = KeySplit(positions[t0 + i], p->window, bs);
      ka[i] = ks[i].first;
      kb[i] = positions[t0 + i] + 1;
      split[i] = 0;
    }
    float *pm = w->m, *pl = pm + rows, *pacc = w->acc;                          // the current split's partial
    float *rm = pl + rows, *rl = rm + rows, *racc = pacc + (size_t)rows * hd;  // the run over earlier splits
    reset(rows, pm, pl, pacc);
    // token i's partial into its run: the first split's is the run, later ones merge into it
    auto fold = [&](int i) {
      const size_t r0 = (size_t)i * group;
      if (split[i] == 0) {
        memcpy(rm + r0, pm + r0, group * sizeof(float));
        memcpy(rl + r0, pl + r0, group * sizeof(float));
        memcpy(racc + r0 * hd, pacc + r0 * hd, gsize * sizeof(float));
      } else {
        merge_partial(group, hd, rm + r0, rl + r0, racc + r0 * hd, pm + r0, pl + r0, pacc + r0 * hd);
      }
      reset(group, pm + r0, pl + r0, pacc + r0 * hd);
    };
    sweep(*w, t0, nt, kvh, ka, kb, pm, pl, pacc, [&](int i, int x) {
      if (x < ks[i].end(split[i])) return;
      fold(i);
      while (x >= ks[i].end(split[i])) split[i]++;
    });
    for (int i = 0; i < nt; i++) {
      fold(i);
      finish(t0 + i, kvh, rl + (size_t)i * group, racc + (size_t)i * gsize);
    }
  });
  return nomem ? TN_E_NOMEM : TN_OK;
}

int tn_moe_gate(const float* x, const float* gate_w, int num_tokens, int hidden, int num_experts,
                int top_k, int32_t* expert_ids, float* routing_weights, float* router_logits) {
  TN_PROF("moe_gate", num_tokens, num_experts);
  if (num_experts <= 0 || num_experts > 256 || top_k <= 0 || top_k > num_experts) return TN_E_ARG;
  static thread_local AlignedBuf logits_buf;
  float* logits = scratch<float>(logits_buf, (size_t)num_tokens * num_experts);
  int rc = linear_impl(x, num_tokens, hidden, gate_w, TN_F32, num_experts, logits, 0);
  if (rc != TN_OK) return rc;
  if (router_logits) memcpy(router_logits, logits, sizeof(float) * (size_t)num_tokens * num_experts);
  for (int t = 0; t < num_tokens; t++) {
    const float* lg = logits + (size_t)t * num_experts;
    float mx = lg[0];
    for (int e = 1; e < num_experts; e++) mx = lg[e] > mx ? lg[e] : mx;
    float prob[256], sum = 0.f;
    for (int e = 0; e < num_experts; e++) sum += (prob[e] = expf(lg[e] - mx));
    for (int e = 0; e < num_experts; e++) prob[e] /= sum;
    // top-k by descending probability; ties keep the lower expert index (torch.topk order)
    bool taken[256] = {false};
    float picked_sum = 0.f;
    for (int j = 0; j < top_k; j++) {
      int best = -1;
      for (int e = 0; e < num_experts; e++)
        if (!taken[e] && (best < 0 || prob[e] > prob[best])) best = e;
      taken[best] = true;
      expert_ids[(size_t)t * top_k + j] = best;
      routing_weights[(size_t)t * top_k + j] = prob[best];
      picked_sum += prob[best];
    }
    for (int j = 0; j < top_k; j++) routing_weights[(size_t)t * top_k + j] /= picked_sum;
  }
  return TN_OK;
}

size_t tn_moe_scratch_floats(const tn_moe_params* p) {
  size_t rows = (size_t)p->num_tokens * p->top_k;
  if (rows > TN_MOE_MAX_ROWS) rows = TN_MOE_MAX_ROWS;
  return rows * (3 * (size_t)p->hidden + 2 * (size_t)p->inter) + 16;
}

namespace {

// A run of one expert's routed rows: assignments order[a0, a1) (all routed to expert e), placed
// at rows [row0, row0 + a1 - a0) of the group's scratch.
struct MoeSegment {
  int e, a0, a1, row0;
};

}  // namespace

int tn_moe_experts(const float* x, const tn_moe_params* p, const int32_t* expert_ids,
                   const float* routing_weights, const void* w1, const void* w3, const void* w2,
                   float* scratch_f, float* out) {
  TN_PROF("moe_experts", p ? p->num_tokens : 0);
  if (!p || !valid_dtype(p->w_dtype & ~TN_W_PANELS) || p->num_tokens < 0 || p->top_k <= 0 || p->hidden <= 0 ||
      p->inter <= 0 || p->num_experts <= 0)
    return TN_E_ARG;
  const int T = p->num_tokens, H = p->hidden, I = p->inter, K = p->top_k, E = p->num_experts;
  const int dt = p->w_dtype & ~TN_W_PANELS;
  const bool panels = (p->w_dtype & TN_W_PANELS) != 0;
  // each expert's [I, H] (w1, w3) and [H, I] (w2) block in panels up to these rows
  const int up_prows = panel_rows(panels, I), down_prows = panel_rows(panels, H);
  const bool round = p->round_act && dt == TN_BF16;
  const size_t eb = (size_t)kDTypes[dt].elem_bytes;
  for (int i = 0; i < T * K; i++)
    if (expert_ids[i] < 0 || expert_ids[i] >= E) return TN_E_INDEX;
  memset(out, 0, sizeof(float) * (size_t)T * H);
  if (T == 0) return TN_OK;

  // Assignments (t, j) sorted by expert, tokens ascending within an expert (counting sort).
  static thread_local AlignedBuf order_buf, start_buf, seg_buf;
  int* order = scratch<int>(order_buf, (size_t)T * K);
  int* start = scratch<int>(start_buf, (size_t)E + 1);
  for (int e = 0; e <= E; e++) start[e] = 0;
  for (int i = 0; i < T * K; i++) start[expert_ids[i] + 1]++;
  for (int e = 0; e < E; e++) start[e + 1] += start[e];
  {
    int* fill = scratch<int>(seg_buf, (size_t)E);
    for (int e = 0; e < E; e++) fill[e] = start[e];
    for (int i = 0; i < T * K; i++) order[fill[expert_ids[i]]++] = i;
  }
  // Segments of at most TN_MOE_MAX_ROWS rows, in expert order.
  const int cap = TN_MOE_MAX_ROWS;
  int max_segs = E + T * K / cap + 1;
  MoeSegment* segs = scratch<MoeSegment>(seg_buf, (size_t)max_segs);
  int num_segs = 0;
  for (int e = 0; e < E; e++)
    for (int a = start[e]; a < start[e + 1]; a += cap)
      segs[num_segs++] = {e, a, start[e + 1] - a < cap ? start[e + 1] : a + cap, 0};

  const size_t rows_cap = (size_t)(T * K < cap ? T * K : cap);
  // Only the rows of segments short enough for the gemv kernels are ever rearranged into xgl / gl
  // (decode); a prefill's long segments leave those pages untouched.
  float* xg = scratch_f;                   // [rows, H] routed rows of x, by segment
  float* g = xg + rows_cap * H;            // [rows, I] w1 x, then silu(w1 x) * w3 x
  float* d = g + rows_cap * I;             // [rows, H] w2 (...)
  float* xgl = d + rows_cap * H;           // [rows, H] xg in the gemv kernels' layout
  float* gl = xgl + rows_cap * H;          // [rows, I] g in the gemv kernels' layout
  const Kernels& kt = kernels();
  static thread_local AlignedBuf item_buf;
  // x rearranged for the gemv kernels, segment by segment, where a segment runs on them.
  // (Panel-layout weights read x as it is; only their row-major last rows, if any, need this.)
  auto gemv_rows_act = [&](int s0, int s1, const float* src, int width, float* dst, bool all_panels) -> const float* {
    if (!kt.gemv_layout[dt] || all_panels) return src;
    for (int s = s0; s < s1; s++) {
      const int ne = segs[s].a1 - segs[s].a0;
      if (ne < kGemmMinRows)
        kt.gemv_layout[dt](src + (size_t)segs[s].row0 * width, ne, width, dst + (size_t)segs[s].row0 * width);
    }
    return dst;
  };

  // Groups of consecutive segments with at most `cap` rows in total; each group is one gather,
  // one parallel pass over (segment, w1/w3 row block), one over (segment, w2 row block), and
  // the weighted sum into out in expert order (HF's summation order per token).
  for (int s0 = 0; s0 < num_segs;) {
    int s1 = s0, rows = 0;
    while (s1 < num_segs && rows + (segs[s1].a1 - segs[s1].a0) <= cap) {
      segs[s1].row0 = rows;
      rows += segs[s1].a1 - segs[s1].a0;
      s1++;
    }
    for (int s = s0; s < s1; s++) {
      const MoeSegment& sg = segs[s];
      for (int a = sg.a0; a < sg.a1; a++) {
        const float* src = x + (size_t)(order[a] / K) * H;
        float* dst = xg + (size_t)(sg.row0 + a - sg.a0) * H;
        if (round)
          kt.round_bf16(src, (size_t)H, dst);
        else
          memcpy(dst, src, sizeof(float) * H);
      }
      count_weight_bytes(3 * (size_t)I * H * eb);
    }
    const float* xg_gemv = gemv_rows_act(s0, s1, xg, H, xgl, up_prows == I);
    // The group's rows as bf16 pairs where some segment takes the bf16 dot-product kernel
    // (segment s's rows at row0 * kp); those of g are packed after the up pass.
    bool any_dp = false;
    for (int s = s0; s < s1; s++) any_dp = any_dp || use_bf16dp(kt, dt, panels, round, segs[s].a1 - segs[s].a0);
    static thread_local AlignedBuf xg_pairs_buf, g_pairs_buf;
    uint32_t* xg_pairs = nullptr;
    uint32_t* g_pairs = nullptr;
    if (any_dp) {
      xg_pairs = scratch<uint32_t>(xg_pairs_buf, (size_t)rows * bf16_pairs_per_row(H));
      g_pairs = scratch<uint32_t>(g_pairs_buf, (size_t)rows * bf16_pairs_per_row(I));
      if (!xg_pairs || !g_pairs) return TN_E_NOMEM;
      pack_bf16_pairs(xg, rows, H, xg_pairs);
    }
    // segment sg's rows of a packed group, or nullptr where it stays on the f32 kernels
    auto seg_pairs = [&](const MoeSegment& sg, const uint32_t* pairs, int width) -> const uint32_t* {
      if (!pairs || !use_bf16dp(kt, dt, panels, round, sg.a1 - sg.a0)) return nullptr;
      return pairs + (size_t)sg.row0 * bf16_pairs_per_row(width);
    };
    // work items: (segment, first row) for the up projections, then for the down projection
    auto build_items = [&](int n_out) {
      int count = 0;
      for (int s = s0; s < s1; s++) {
        int blk = linear_block(kt, segs[s].a1 - segs[s].a0, panels);
        count += (n_out + blk - 1) / blk;
      }
      int2_item* items = scratch<int2_item>(item_buf, (size_t)count);
      // Round robin over the experts (round_robin_blocks), not neighbouring blocks of one: MoE
      // layer at 32 tokens (C ABI, 8 layers, bf16, 2 threads, 15 interleaved pairs, 3 runs, median
      // ms) 98.5 / 94.3 / 95.8 -> 93.1 / 88.6 / 90.9; 8, 128 and 512 tokens unchanged.
      int n = 0;
      round_robin_blocks(
          s0, s1, n_out, [&](int s) { return linear_block(kt, segs[s].a1 - segs[s].a0, panels); },
          [&](int s, int r0, int r1) { items[n++] = {s, r0, r1}; });
      return count;
    };
    int n_up = build_items(I);
    int2_item* items = (int2_item*)item_buf.p;
    parallel_items(n_up, [&](int64_t it) {
      const MoeSegment& sg = segs[items[it].seg];
      int ne = sg.a1 - sg.a0, r0 = items[it].r0, r1 = items[it].r1, nr = r1 - r0;
      const float* xs = xg + (size_t)sg.row0 * H;
      const float* xsg = xg_gemv + (size_t)sg.row0 * H;
      float* gs = g + (size_t)sg.row0 * I;
      // w3 x of this item's block only: [ne, nr], per thread
      static thread_local AlignedBuf up_buf;
      float* us = scratch<float>(up_buf, (size_t)ne * nr);
      const uint32_t* xsb = seg_pairs(sg, xg_pairs, H);
      linear_rows(kt, xs, xsg, ne, H, (const char*)w1 + (size_t)sg.e * I * H * eb, dt, r0, r1, gs, I, up_prows,
                  xsb);
      // (r0 is a multiple of the panel rows: w3's panels start again at its row 0 here)
      linear_rows(kt, xs, xsg, ne, H, (const char*)w3 + ((size_t)sg.e * I + r0) * H * eb, dt, 0, nr, us, nr,
                  up_prows > r0 ? up_prows - r0 : 0, xsb);
      for (int t = 0; t < ne; t++) {
        float* gt = gs + (size_t)t * I + r0;
        kt.swiglu(gt, us + (size_t)t * nr, nr);
        if (round) kt.round_bf16(gt, (size_t)nr, gt);
      }
    });
    const float* g_gemv = gemv_rows_act(s0, s1, g, I, gl, down_prows == H);
    if (any_dp) pack_bf16_pairs(g, rows, I, g_pairs);
    int n_down = build_items(H);
    items = (int2_item*)item_buf.p;
    parallel_items(n_down, [&](int64_t it) {
      const MoeSegment& sg = segs[items[it].seg];
      int ne = sg.a1 - sg.a0;
      linear_rows(kt, g + (size_t)sg.row0 * I, g_gemv + (size_t)sg.row0 * I, ne, I,
                  (const char*)w2 + (size_t)sg.e * H * I * eb, dt, items[it].r0, items[it].r1,
                  d + (size_t)sg.row0 * H, H, down_prows, seg_pairs(sg, g_pairs, I));
    });
    for (int s = s0; s < s1; s++) {
      const MoeSegment& sg = segs[s];
      for (int a = sg.a0; a < sg.a1; a++) {
        float wgt = routing_weights[order[a]];
        float* o = out + (size_t)(order[a] / K) * H;
        const float* dr = d + (size_t)(sg.row0 + a - sg.a0) * H;
        for (int i = 0; i < H; i++) o[i] += dr[i] * wgt;
      }
    }
    s0 = s1;
  }
  return TN_OK;
}

uint64_t tn_weight_bytes_read(void) { return g_weight_bytes.load(std::memory_order_relaxed); }

int tn_add(float* y, const float* x, size_t n) {
  TN_PROF("add", (int)n);
  for (size_t i = 0; i < n; i++) y[i] += x[i];
  return TN_OK;
}

int tn_fill_random_runs(void* dst, int dtype, uint64_t seed, float scale, const int64_t* run_starts,
                        size_t num_runs, size_t run_elems) {
  if (!valid_dtype(dtype) || !dst || (num_runs > 0 && !run_starts)) return TN_E_ARG;
  for (size_t r = 0; r < num_runs; r++)
    if (run_starts[r] < 0) return TN_E_INDEX;
  if (num_runs == 0 || run_elems == 0) return TN_OK;
  parallel_for((int64_t)(num_runs * run_elems), [&](int64_t b, int64_t e) {
    int64_t r = b / (int64_t)run_elems, t = b % (int64_t)run_elems;
    for (int64_t o = b; o < e; o++) {
      uint64_t i = (uint64_t)(run_starts[r] + t);  // element index in the full tensor
      uint64_t z = seed + 0x9e3779b97f4a7c15ull * (i + 1);  // splitmix64
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      float u = (float)(z >> 40) * (1.0f / 8388608.0f) - 1.0f;  // 24 bits -> [-1, 1)
      store_elem(dst, dtype, o, scale * u);
      if (++t == (int64_t)run_elems) {
        t = 0;
        r++;
      }
    }
  });
  return TN_OK;
}

int tn_fill_random(void* dst, int dtype, size_t n, uint64_t seed, float scale) {
  const int64_t first = 0;
  return n == 0 ? (valid_dtype(dtype) && dst ? TN_OK : TN_E_ARG)
                : tn_fill_random_runs(dst, dtype, seed, scale, &first, 1, n);
}
}
