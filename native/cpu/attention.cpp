// The paged KV cache: tn_reshape_and_cache writes it, tn_paged_attention reads it for prefill and
// decode alike (online-softmax attention over key cells, kernels().attn per float cache dtype,
// kernels().attn_i8 for an int8 cache, dequantized cell by cell inside the kernel).
#include <limits.h>
#include <math.h>
#include <string.h>

#include <algorithm>
#include <atomic>

#include "kernels.h"
#include "profile.h"
#include "quantize.h"
#include "scratch.h"
#include "threadpool.h"
#include "tramontane_cpu.h"

using namespace tn;

namespace {

constexpr int kMaxHeadDim = 512;
// Query heads per KV head the attention kernel takes (Mixtral 8x7B: 4, 8x22B: 6).
constexpr int kMaxGroup = 16;

// Flash-decoding splits of a token's keys: at least kMinSplitBlocks KV blocks each, at most
// kMaxSplits per token (decisions.md: attn-splits).  Each split restarts the online softmax and
// costs a merge, whole items included (that keeps results independent of the pool).  Decode
// splits its items below kSplitItemsPerThread (token, KV head) items per pool thread.
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

// The cache dtypes: the float rows, and int8 with per-(slot, KV head) scales.
bool valid_kv_dtype(int d) { return valid_float_dtype(d) || d == TN_I8; }

// Where an int8 cache tensor's scales start (tn_kv_layout, tramontane_cpu.h): after its cells, at
// the next 64-byte boundary.
size_t i8_scale_offset(const tn_kv_layout* kv) {
  const size_t cells = (size_t)kv->num_blocks * kv->block_size * kv->num_kv_heads * kv->head_dim;
  return (cells + 63) & ~(size_t)63;
}
const float* i8_scales(const void* cache, const tn_kv_layout* kv) {
  return (const float*)((const char*)cache + i8_scale_offset(kv));
}

// One (token, KV head) row into an int8 cache: quantize.h's reference rounding, except that a row
// holding a NaN or an infinity gets a NaN scale (and zero cells), so the attention that reads it turns
// NaN as it does over a float cache instead of meeting an int8 that cannot say so.
void quantize_kv_row(const float* x, int hd, int8_t* q, float* scale) {
  for (int i = 0; i < hd; i++)
    if (!isfinite(x[i])) {
      memset(q, 0, (size_t)hd);
      *scale = NAN;
      return;
    }
  quantize_row_ref(x, hd, q, scale);
}

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

// Every index the attention loops will follow, checked before any memory is touched.
int check_indices(const tn_kv_layout* kv, const tn_attention_params* p, const int32_t* seq_idx,
                  const int32_t* positions, const int32_t* block_tables) {
  const int bs = kv->block_size, mb = p->max_blocks_per_seq;
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
  return TN_OK;
}

// One tn_paged_attention call: its arguments and geometry, and the steps both work splits share.
struct PagedAttention {
  const float* q;
  int q_stride;
  const void *k_cache, *v_cache;
  const float *k_scale, *v_scale;  // an int8 cache's scales [slot][kv head]; nullptr for a float cache
  const tn_attention_params* p;
  const int32_t *seq_idx, *positions, *block_tables;
  float* out;
  int hd, bs, mb, group, nkv, T;
  size_t ld, eb, gsize, psize;
  AttnBlockFn attn;
  AttnBlockI8Fn attn_i8;

  // Key cells: kAttnKeys-aligned positions, cut at KV block ends.  Every key range is walked cell by
  // cell and each kernel call starts at its cell's first position (rows mask what they do not
  // see), so a key sits in the same lane of the same sub-block whichever rows share the call.
  int cell_start(int x) const { return std::max(x / kAttnKeys * kAttnKeys, x / bs * bs); }
  // in 64 bits: the next multiple of kAttnKeys or bs may pass INT_MAX (callers clip it to their range)
  int64_t cell_end(int x) const {
    return std::min(((int64_t)x / kAttnKeys + 1) * kAttnKeys, ((int64_t)x / bs + 1) * bs);
  }

  // Runs `nt` consecutive tokens from t0 (one sequence, consecutive positions: rows i * group + h)
  // of KV head kvh over their key positions [ka[i], kb[i]) into the online-softmax state (m, l,
  // acc: rows x (1, 1, hd)).  enter(i, x) is called before token i's first key x of each cell.
  template <typename Enter>
  void sweep(AttnScratch& w, int t0, int nt, int kvh, const int* ka, const int* kb, float* m, float* l, float* acc,
             Enter&& enter) const {
    const int rows = nt * group;
    for (int i = 0; i < nt; i++)
      memcpy(w.q + (size_t)i * gsize, q + (size_t)(t0 + i) * q_stride + (size_t)kvh * gsize, gsize * sizeof(float));
    int lo = ka[0], hi = kb[0];
    for (int i = 1; i < nt; i++) lo = std::min(lo, ka[i]), hi = std::max(hi, kb[i]);
    const int32_t* table = block_tables + (size_t)seq_idx[t0] * mb;
    // (slot, KV head) index of position x: its scale's index, and its row's first element / hd
    auto head_row = [&](int x) { return ((size_t)table[x / bs] * bs + x % bs) * nkv + kvh; };
    auto slot = [&](int x) { return head_row(x) * hd * eb; };
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
      if (k_scale)
        attn_i8(w.q, rows, hd, p->scale, (const int8_t*)k_cache + at, (const int8_t*)v_cache + at, ld,
                k_scale + head_row(a), v_scale + head_row(a), (size_t)nkv, e - a, w.lo, w.hi, m, l, acc, w.kv);
      else
        attn(w.q, rows, hd, p->scale, (const char*)k_cache + at, (const char*)v_cache + at, ld, e - a, w.lo, w.hi,
             m, l, acc, w.kv);
      a = e;
    }
  }

  void reset(int rows, float* m, float* l, float* acc) const {
    for (int r = 0; r < rows; r++) m[r] = -INFINITY, l[r] = 0.f;
    memset(acc, 0, (size_t)rows * hd * sizeof(float));
  }

  void finish(int t, int kvh, const float* l, const float* acc) const {
    float* o = out + (size_t)t * p->num_heads * hd + (size_t)kvh * gsize;
    for (int h = 0; h < group; h++) {
      const float inv = 1.f / l[h];
      for (int i = 0; i < hd; i++) o[(size_t)h * hd + i] = acc[(size_t)h * hd + i] * inv;
    }
  }

  // A partial softmax of one token's query group, as the split items park it: acc [group * hd],
  // then m [group], then l [group].
  void merge(float* run, const float* part) const {
    merge_partial(group, hd, run + gsize, run + gsize + group, run, part + gsize, part + gsize + group, part);
  }

  // Decode with few (token, KV head) items: every split is its own work item, its partial parked
  // in scratch, and a second pass merges each item's partials in split order.  Returns 1 when the
  // tokens have too few keys to split (the whole items then run instead).
  int split_items() const {
    static thread_local AlignedBuf split_buf, part_buf;
    int* split0 = scratch<int>(split_buf, (size_t)T + 1);  // token t's splits: [split0[t], split0[t + 1])
    if (!split0) return TN_E_NOMEM;
    split0[0] = 0;
    for (int t = 0; t < T; t++) split0[t + 1] = split0[t] + KeySplit(positions[t], p->window, bs).n;
    if (split0[T] <= T) return 1;
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

  // One whole item: tokens [t0, t0 + nt) of one sequence over KV head kvh, each token folding its
  // splits' partials into its run in split order as the walk crosses them.
  void whole_item(AttnScratch& w, int t0, int nt, int kvh) const {
    const int rows = nt * group;
    int ka[kAttnBlockRows], kb[kAttnBlockRows], split[kAttnBlockRows];
    KeySplit ks[kAttnBlockRows];
    for (int i = 0; i < nt; i++) {
      ks[i] = KeySplit(positions[t0 + i], p->window, bs);
      ka[i] = ks[i].first;
      kb[i] = positions[t0 + i] + 1;
      split[i] = 0;
    }
    float *pm = w.m, *pl = pm + rows, *pacc = w.acc;                            // the current split's partial
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
    sweep(w, t0, nt, kvh, ka, kb, pm, pl, pacc, [&](int i, int x) {
      if (x < ks[i].end(split[i])) return;
      fold(i);
      while (x >= ks[i].end(split[i])) split[i]++;
    });
    for (int i = 0; i < nt; i++) {
      fold(i);
      finish(t0 + i, kvh, rl + (size_t)i * group, racc + (size_t)i * gsize);
    }
  }

  // Whole items: up to kAttnBlockRows query rows (consecutive tokens of one sequence times the
  // group) share every cell's widened keys and values.
  int whole_items() const {
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
      const int b = (int)(item / nkv);
      whole_item(*w, block0[b], block0[b + 1] - block0[b], (int)(item % nkv));
    });
    return nomem ? TN_E_NOMEM : TN_OK;
  }
};

}  // namespace

extern "C" {

int tn_reshape_and_cache(const float* k, int k_stride, const float* v, int v_stride,
                         int num_tokens, const int32_t* slot_mapping, void* k_cache,
                         void* v_cache, const tn_kv_layout* kv) {
  TN_PROF("reshape_and_cache", num_tokens);
  if (!kv || !valid_kv_dtype(kv->dtype) || kv->block_size <= 0 || kv->num_blocks <= 0 || kv->head_dim <= 0 ||
      kv->num_kv_heads <= 0)
    return TN_E_ARG;
  int64_t num_slots = (int64_t)kv->num_blocks * kv->block_size;
  int kv_dim = kv->num_kv_heads * kv->head_dim;
  for (int t = 0; t < num_tokens; t++)
    if (slot_mapping[t] < 0 || slot_mapping[t] >= num_slots) return TN_E_INDEX;
  if (kv->dtype == TN_I8) {
    // per token and KV head: s = max|x| / 127, q = round(x / s)
    float* ks = (float*)((char*)k_cache + i8_scale_offset(kv));
    float* vs = (float*)((char*)v_cache + i8_scale_offset(kv));
    const int hd = kv->head_dim;
    for (int t = 0; t < num_tokens; t++)
      for (int h = 0; h < kv->num_kv_heads; h++) {
        const size_t row = (size_t)slot_mapping[t] * kv->num_kv_heads + h;
        quantize_kv_row(k + (size_t)t * k_stride + (size_t)h * hd, hd, (int8_t*)k_cache + row * hd, ks + row);
        quantize_kv_row(v + (size_t)t * v_stride + (size_t)h * hd, hd, (int8_t*)v_cache + row * hd, vs + row);
      }
    return TN_OK;
  }
  const size_t row_bytes = (size_t)kv_dim * kDTypes[kv->dtype].elem_bytes;
  for (int t = 0; t < num_tokens; t++) {
    void* kd = (char*)k_cache + (size_t)slot_mapping[t] * row_bytes;
    void* vd = (char*)v_cache + (size_t)slot_mapping[t] * row_bytes;
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
  AttentionClock attention_clock;
  if (!kv || !p || !valid_kv_dtype(kv->dtype) || kv->head_dim <= 0 || kv->head_dim > kMaxHeadDim ||
      kv->num_kv_heads <= 0 || p->num_heads <= 0 || p->num_heads % kv->num_kv_heads != 0 || kv->block_size <= 0)
    return TN_E_ARG;
  const int rc = check_indices(kv, p, seq_idx, positions, block_tables);
  if (rc != TN_OK) return rc;
  const int group = p->num_heads / kv->num_kv_heads;
  if (group > kMaxGroup) return TN_E_ARG;
  PagedAttention a;
  a.q = q, a.q_stride = q_stride, a.k_cache = k_cache, a.v_cache = v_cache, a.p = p;
  a.seq_idx = seq_idx, a.positions = positions, a.block_tables = block_tables, a.out = out;
  a.hd = kv->head_dim, a.bs = kv->block_size, a.mb = p->max_blocks_per_seq, a.group = group;
  a.nkv = kv->num_kv_heads, a.T = p->num_tokens;
  a.ld = (size_t)a.nkv * a.hd;  // elements between consecutive slots of one KV head
  a.eb = (size_t)kDTypes[kv->dtype].elem_bytes;
  a.gsize = (size_t)group * a.hd;
  a.psize = a.gsize + 2 * (size_t)group;
  const bool i8 = kv->dtype == TN_I8;
  a.attn = i8 ? nullptr : kernels().attn[kv->dtype];
  a.attn_i8 = kernels().attn_i8 ? kernels().attn_i8 : attn_i8_generic;
  a.k_scale = i8 ? i8_scales(k_cache, kv) : nullptr;
  a.v_scale = i8 ? i8_scales(v_cache, kv) : nullptr;
  // Decode with fewer (token, KV head) items than pool threads, or a count that leaves threads
  // idle in the last round, splits each token's keys; both paths fold the same partials over the
  // same cells in the same order, so they give the same bits and the thread count never shows.
  const int64_t threads = pool_threads();
  if ((int64_t)a.T * a.nkv % threads != 0 && (int64_t)a.T * a.nkv < kSplitItemsPerThread * threads) {
    const int split = a.split_items();
    if (split != 1) return split;
  }
  return a.whole_items();
}
}
