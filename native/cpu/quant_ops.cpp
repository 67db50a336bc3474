// Quantized linears (W8A8 dynamic, W8A16) and the expert-grouped MoE over any linear weight.
// Arguments are checked here, at the JNI edge; integer math is exact so W8A8 results are the
// same on every ISA level and thread count.
#include <math.h>
#include <string.h>

#include <atomic>

#include "kernels.h"
#include "profile.h"
#include "qkernels.h"
#include "quantize.h"
#include "scratch.h"
#include "threadpool.h"
#include "tramontane_cpu.h"

namespace tn {

const QKernels& qkernels() {
  switch (tn_isa_active()) {
#if defined(__x86_64__) || defined(__i386__)
    case TN_ISA_AVX512: return kAvx512QKernels;
    case TN_ISA_AVX2: return kAvx2QKernels;
#endif
    default: return kScalarQKernels;
  }
}

}  // namespace tn

using namespace tn;

namespace {

// A weight's element type and layout, from its dtype code (TN_W_PANELS: tn_pack_panels' layout).
int elem_dtype(const tn_linear_weight* w) { return w->dtype & ~TN_W_PANELS; }
bool has_panels(const tn_linear_weight* w) { return (w->dtype & TN_W_PANELS) != 0; }

bool valid_weight(const tn_linear_weight* w) {
  if (!w || !w->w) return false;
  if (elem_dtype(w) == TN_I8)  // int8 panels: only the int8-activation kernels read them
    return w->scale && (has_panels(w) ? w->act_quant == TN_ACT_INT8_PER_TOKEN
                                      : w->act_quant == TN_ACT_NONE || w->act_quant == TN_ACT_INT8_PER_TOKEN);
  return valid_dtype(elem_dtype(w));
}

// Rows of an [n, k] weight in the panel layout (kernels.h's panel_rows).
int panel_rows_w(const tn_linear_weight* w, int n) { return panel_rows(has_panels(w), n); }

// int8 activation rows widened to int16, the operand of the int8 panel kernel.
void widen_rows(const int8_t* q, size_t n, int16_t* out) {
  for (size_t i = 0; i < n; i++) out[i] = q[i];
}

// Below this many activation elements, per-row quantization runs on the calling thread alone.
constexpr size_t kMinParallelQuant = 1 << 16;

// Rows of x [m, k] quantized per row (the ISA's quantize_row: the same bits on every level), across
// the pool when there are many.
void quantize_rows(const QKernels& qk, const float* x, int m, int k, int8_t* q, float* scales) {
  if ((size_t)m * k < kMinParallelQuant) {
    for (int r = 0; r < m; r++) qk.quantize_row(x + (size_t)r * k, k, q + (size_t)r * k, &scales[r]);
    return;
  }
  parallel_for(m, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) qk.quantize_row(x + (size_t)r * k, k, q + (size_t)r * k, &scales[r]);
  });
}

// Output rows per work item of the int8 linears and the MoE (a multiple of every ISA's SwiGLU
// vector width).
constexpr int kWBlock = 32;
// Activation rows per dot_i8_rows call: the int32 results of a call, [kActChunk][kWBlock], live on
// the stack until they are scaled into floats.
constexpr int kActChunk = 64;

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

// The int8 dots of several quantized activation rows (row(t) its int8 row, scale(t) its scale)
// against row-major weight rows, by dot_i8_rows, scaled (scaled_chunks).
template <typename Row, typename Scale>
void dot_i8_rows_scaled(const QKernels& qk, int m, Row row, Scale scale, const int8_t* w, size_t ldw, int rows,
                        int k, const float* ws, float* out, size_t ldo) {
  scaled_chunks(
      m, rows,
      [&](int t0, int mt, int32_t* acc) {
        const int8_t* xr[kActChunk];
        for (int t = 0; t < mt; t++) xr[t] = row(t0 + t);
        qk.dot_i8_rows(xr, mt, w, ldw, rows, k, acc, kWBlock);
      },
      scale, ws, out, ldo);
}

// Rows [0, rows) of a weight block w (rows of k int8, rows <= kWBlock): those below prows (a
// multiple of 16; <= 0: none) in the int8 panel layout through panel_i8 over the int16 rows,
// the rest row-major through dot_i8_rows_scaled; every int32 dot scaled the same way.
template <typename Row, typename Row16, typename Scale>
void rows_i8_scaled(const QKernels& qk, int m, Row row, Row16 row16, Scale scale, const int8_t* w, int prows,
                    int rows, int k, const float* ws, float* out, size_t ldo) {
  const int np = prows <= 0 ? 0 : (prows < rows ? prows : rows) / 16;
  if (np > 0)
    scaled_chunks(
        m, np * 16,
        [&](int t0, int mt, int32_t* acc) {
          const int16_t* xr[kActChunk];
          for (int t = 0; t < mt; t++) xr[t] = row16(t0 + t);
          qk.panel_i8(xr, mt, w, k, np, acc, kWBlock);
        },
        scale, ws, out, ldo);
  const int done = np * 16;
  if (done < rows)
    dot_i8_rows_scaled(qk, m, row, scale, w + (size_t)done * k, (size_t)k, rows - done, k, ws + done, out + done, ldo);
}

int linear_w(const float* x, int m, int k, const tn_linear_weight* w, int n, float* out, int round_act) {
  if (!valid_weight(w) || m < 0 || k <= 0 || n <= 0) return TN_E_ARG;
  if (elem_dtype(w) != TN_I8) return tn_linear(x, m, k, w->w, w->dtype, n, out, round_act);
  if (m == 0) return TN_OK;
  const int8_t* wq = (const int8_t*)w->w;
  const QKernels& qk = qkernels();
  count_weight_bytes((size_t)n * k + sizeof(float) * (size_t)n);
  if (w->act_quant == TN_ACT_INT8_PER_TOKEN) {
    static thread_local AlignedBuf xq_buf, xs_buf;
    int8_t* xq = scratch<int8_t>(xq_buf, (size_t)m * k);
    float* xs = scratch<float>(xs_buf, (size_t)m);
    if (!xq || !xs) return TN_E_NOMEM;
    quantize_rows(qk, x, m, k, xq, xs);
    const int prows = panel_rows_w(w, n);
    static thread_local AlignedBuf x16_buf;
    int16_t* x16 = prows > 0 ? scratch<int16_t>(x16_buf, (size_t)m * k) : nullptr;
    if (prows > 0 && !x16) return TN_E_NOMEM;
    if (x16) widen_rows(xq, (size_t)m * k, x16);
    const int8_t* xqp = xq;
    const float* xsp = xs;
    parallel_items((n + kWBlock - 1) / kWBlock, [&](int64_t b) {
      const int j0 = (int)b * kWBlock, nr = n - j0 < kWBlock ? n - j0 : kWBlock;
      rows_i8_scaled(
          qk, m, [&](int t) { return xqp + (size_t)t * k; }, [&](int t) { return x16 + (size_t)t * k; },
          [&](int t) { return xsp[t]; }, wq + (size_t)j0 * k, prows - j0, nr, k, w->scale + j0, out + j0, (size_t)n);
    });
    return TN_OK;
  }
  parallel_for(n, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; j++) {
      const int8_t* wr = wq + (size_t)j * k;
      for (int r = 0; r < m; r++) out[(size_t)r * n + j] = qk.dot_f32_i8(x + (size_t)r * k, wr, k) * w->scale[j];
    }
  });
  return TN_OK;
}

// Expert e's [n, k] block of a stacked weight.
tn_linear_weight expert_block(const tn_linear_weight* w, int e, int n, int k) {
  tn_linear_weight b = *w;
  const int dt = elem_dtype(w);
  size_t elem = dt == TN_I8 ? 1 : (size_t)kDTypes[dt].elem_bytes;
  b.w = (const char*)w->w + (size_t)e * n * k * elem;
  if (w->scale) b.scale = w->scale + (size_t)e * n;
  return b;
}

// A run of one expert's routed rows: assignments order[a0, a1), at rows [row0, ...) of the group.
struct WSegment {
  int e, a0, a1, row0;
};
struct WItem {
  int seg, r0, r1;
};

// The caller's MoE scratch, in floats: R = routed rows per group (at most TN_MOE_MAX_ROWS).  The
// int8 path's regions (gq .. x16) and the float path's (gen_x, gen_u) never meet in one call, so
// they share memory; g16 reuses g, which the int8 path no longer reads once g is quantized into gq
// (W8A8 mixtral-mini, 2048-token steps: 29.3 -> 18.9 MB).
struct MoeWLayout {
  size_t g, d, gq, gs, xq, xs, gen_x, gen_u, x16, g16, total;
};
MoeWLayout moe_w_layout(const tn_moe_params* p) {
  const size_t T = (size_t)(p->num_tokens > 0 ? p->num_tokens : 0), H = (size_t)p->hidden, I = (size_t)p->inter;
  size_t R = T * (size_t)(p->top_k > 0 ? p->top_k : 0);
  if (R > TN_MOE_MAX_ROWS) R = TN_MOE_MAX_ROWS;
  auto up16 = [](size_t f) { return (f + 15) & ~(size_t)15; };  // 64-byte steps
  MoeWLayout L;
  size_t o = 0;
  L.g = o; o += up16(R * I);
  L.g16 = L.g;  // int8 panels: gq widened to int16, over g
  L.d = o; o += up16(R * H);
  const size_t shared = o;
  L.gq = o; o += up16((R * I + 3) / 4);
  L.gs = o; o += up16(R);
  L.xq = o; o += up16((T * H + 3) / 4);
  L.xs = o; o += up16(T);
  L.x16 = o; o += up16((T * H + 1) / 2);  // int8 panels: xq widened to int16
  const size_t int8_end = o;
  o = shared;
  L.gen_x = o; o += up16(R * H);  // float weights only: gathered rows of x
  L.gen_u = o; o += up16(R * I);  // float weights only: w3 x
  L.total = o > int8_end ? o : int8_end;
  return L;
}

// Float (or mixed) expert weights: per segment, the three linears through linear_w.
int moe_w_generic(const float* x, const tn_moe_params* p, const float* routing_weights,
                  const tn_linear_weight* w1, const tn_linear_weight* w3, const tn_linear_weight* w2,
                  float* scratch_f, const MoeWLayout& L, const int* order, const WSegment* segs, int num_segs,
                  float* out) {
  const int H = p->hidden, I = p->inter, K = p->top_k;
  float* xg = scratch_f + L.gen_x;
  float* g = scratch_f + L.g;
  float* u = scratch_f + L.gen_u;
  float* d = scratch_f + L.d;
  for (int s = 0; s < num_segs; s++) {
    const WSegment& sg = segs[s];
    const int ne = sg.a1 - sg.a0;
    for (int r = 0; r < ne; r++) memcpy(xg + (size_t)r * H, x + (size_t)(order[sg.a0 + r] / K) * H, sizeof(float) * H);
    tn_linear_weight b1 = expert_block(w1, sg.e, I, H), b3 = expert_block(w3, sg.e, I, H),
                     b2 = expert_block(w2, sg.e, H, I);
    int rc = linear_w(xg, ne, H, &b1, I, g, p->round_act);
    if (rc == TN_OK) rc = linear_w(xg, ne, H, &b3, I, u, p->round_act);
    if (rc != TN_OK) return rc;
    for (int r = 0; r < ne; r++) kernels().swiglu(g + (size_t)r * I, u + (size_t)r * I, I);
    rc = linear_w(g, ne, I, &b2, H, d, p->round_act);
    if (rc != TN_OK) return rc;
    for (int r = 0; r < ne; r++) {
      const float wgt = routing_weights[order[sg.a0 + r]];
      float* o = out + (size_t)(order[sg.a0 + r] / K) * H;
      const float* dr = d + (size_t)r * H;
      for (int i = 0; i < H; i++) o[i] += dr[i] * wgt;
    }
  }
  return TN_OK;
}

}  // namespace

extern "C" {

int tn_linear_w(const float* x, int m, int k, const tn_linear_weight* w, int n, float* out, int round_act) {
  TN_PROF(m == 1 ? "linear_w m=1" : "linear_w", n, k);
  return linear_w(x, m, k, w, n, out, round_act);
}

size_t tn_moe_w_scratch_floats(const tn_moe_params* p) { return moe_w_layout(p).total; }

int tn_quantize_rows(const float* x, int m, int k, int8_t* xq, float* scales) {
  if (m < 0 || k <= 0) return TN_E_ARG;
  quantize_rows(qkernels(), x, m, k, xq, scales);
  return TN_OK;
}

int tn_quantize_weight(const float* w, int64_t rows, int64_t k, int64_t col_start, int64_t cols,
                       int8_t* q, float* scales) {
  if (!w || !q || !scales || rows < 0 || k <= 0 || col_start < 0 || cols <= 0 || col_start + cols > k)
    return TN_E_ARG;
  std::atomic<bool> finite{true};
  parallel_for(rows, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      const float* row = w + (size_t)r * k;
      float amax = 0.f;
      for (int64_t i = 0; i < k; i++) {
        if (!isfinite(row[i])) finite.store(false, std::memory_order_relaxed);
        float a = fabsf(row[i]);
        if (a > amax) amax = a;
      }
      float s = amax / 127.f;
      scales[r] = s;
      int8_t* qr = q + (size_t)r * cols;
      if (s == 0.f) {
        memset(qr, 0, (size_t)cols);
        continue;
      }
      for (int64_t i = 0; i < cols; i++) qr[i] = round_clamp_i8(row[col_start + i] / s);
    }
  });
  return finite.load() ? TN_OK : TN_E_ARG;
}

int tn_moe_experts_w(const float* x, const tn_moe_params* p, const int32_t* expert_ids,
                     const float* routing_weights, const tn_linear_weight* w1,
                     const tn_linear_weight* w3, const tn_linear_weight* w2, float* scratch_f,
                     float* out) {
  TN_PROF("moe_experts_w", p ? p->num_tokens : 0);
  if (!p || p->num_tokens < 0 || p->top_k <= 0 || p->hidden <= 0 || p->inter <= 0 || p->num_experts <= 0 ||
      !valid_weight(w1) || !valid_weight(w3) || !valid_weight(w2))
    return TN_E_ARG;
  const int T = p->num_tokens, H = p->hidden, I = p->inter, K = p->top_k, E = p->num_experts;
  for (int i = 0; i < T * K; i++)
    if (expert_ids[i] < 0 || expert_ids[i] >= E) return TN_E_INDEX;
  memset(out, 0, sizeof(float) * (size_t)T * H);
  if (T == 0) return TN_OK;
  const MoeWLayout L = moe_w_layout(p);

  // Assignments (t, j) sorted by expert, tokens ascending within an expert (counting sort), then
  // segments of at most TN_MOE_MAX_ROWS rows in expert order.  Grow-only per-thread scratch.
  static thread_local AlignedBuf order_buf, start_buf, seg_buf, item_buf;
  const int cap = TN_MOE_MAX_ROWS;
  const int max_segs = E + T * K / cap + 1;
  int* order = scratch<int>(order_buf, (size_t)T * K);
  int* start = scratch<int>(start_buf, 2 * (size_t)E + 1);
  WSegment* segs = scratch<WSegment>(seg_buf, (size_t)max_segs);
  if (!order || !start || !segs) return TN_E_NOMEM;
  int* fill = start + E + 1;
  for (int e = 0; e <= E; e++) start[e] = 0;
  for (int i = 0; i < T * K; i++) start[expert_ids[i] + 1]++;
  for (int e = 0; e < E; e++) start[e + 1] += start[e];
  for (int e = 0; e < E; e++) fill[e] = start[e];
  for (int i = 0; i < T * K; i++) order[fill[expert_ids[i]]++] = i;
  int num_segs = 0;
  for (int e = 0; e < E; e++)
    for (int a = start[e]; a < start[e + 1]; a += cap)
      segs[num_segs++] = {e, a, start[e + 1] - a < cap ? start[e + 1] : a + cap, 0};

  if (elem_dtype(w1) != TN_I8 || elem_dtype(w3) != TN_I8 || elem_dtype(w2) != TN_I8)
    return moe_w_generic(x, p, routing_weights, w1, w3, w2, scratch_f, L, order, segs, num_segs, out);

  const QKernels& qk = qkernels();
  const Kernels& kt = kernels();
  const bool q1 = w1->act_quant == TN_ACT_INT8_PER_TOKEN, q3 = w3->act_quant == TN_ACT_INT8_PER_TOKEN,
             q2 = w2->act_quant == TN_ACT_INT8_PER_TOKEN;
  // each expert's [I, H] (w1, w3) and [H, I] (w2) block in the int8 panel layout up to these rows
  // (valid_weight: a panel weight takes int8 activations; w1 and w3 share the up pass's branch)
  const int p1 = panel_rows_w(w1, I), p3 = panel_rows_w(w3, I), p2 = panel_rows_w(w2, H);
  if ((p1 > 0 || p3 > 0) && !(q1 && q3)) return TN_E_ARG;
  int16_t* x16 = (int16_t*)(scratch_f + L.x16);  // [T, H] xq widened (p1 or p3)
  int16_t* g16 = (int16_t*)(scratch_f + L.g16);  // [rows, I] gq widened (p2), over g
  float* g = scratch_f + L.g;                    // [rows, I] w1 x, then silu(w1 x) * w3 x
  float* d = scratch_f + L.d;                    // [rows, H] w2 (...)
  int8_t* gq = (int8_t*)(scratch_f + L.gq);      // [rows, I] g quantized per row (q2)
  float* gs = scratch_f + L.gs;                  // [rows]
  int8_t* xq = (int8_t*)(scratch_f + L.xq);      // [T, H] x quantized per token (q1 or q3)
  float* xs = scratch_f + L.xs;                  // [T]
  // Every token's row is quantized once, however many experts it goes to (the same bytes the
  // per-expert linears computed from their gathered copies).
  if (q1 || q3) {
    quantize_rows(qk, x, T, H, xq, xs);
    if (p1 > 0 || p3 > 0) widen_rows(xq, (size_t)T * H, x16);
  }
  const float* s1 = w1->scale;
  const float* s3 = w3->scale;
  const float* s2 = w2->scale;
  std::atomic<int> status{TN_OK};

  // Groups of consecutive segments with at most `cap` rows in total; each group is one parallel
  // pass over (segment, w1/w3 row block) for every expert of the group, the per-row quantization
  // of g, one pass over (segment, w2 row block), and the weighted sum into out in expert order
  // (HF's summation order per token).  Per element the arithmetic is that of tn_linear_w.
  for (int s0 = 0; s0 < num_segs;) {
    int s1i = s0, rows = 0;
    while (s1i < num_segs && rows + (segs[s1i].a1 - segs[s1i].a0) <= cap) {
      segs[s1i].row0 = rows;
      rows += segs[s1i].a1 - segs[s1i].a0;
      s1i++;
    }
    auto build_items = [&](int n_out) -> WItem* {
      int count = 0;
      for (int s = s0; s < s1i; s++) count += (n_out + kWBlock - 1) / kWBlock;
      WItem* items = scratch<WItem>(item_buf, (size_t)count + 1);
      if (!items) return nullptr;
      // round robin over the experts, as tn_moe_experts orders its items (W8A8 MoE layer, 8 layers,
      // 2 threads, 5 interleaved pairs per run, median ms: 8 tokens 31.6 / 28.0 / 27.8 -> 28.5 / 28.2 /
      // 26.9, 32 tokens 62.5 / 68.4 / 63.1 / 60.6 -> 64.7 / 64.1 / 63.4 / 55.1)
      int n = 0;
      round_robin_blocks(
          s0, s1i, n_out, [](int) { return kWBlock; }, [&](int s, int r0, int r1) { items[n++] = {s, r0, r1}; });
      items[n] = {-1, 0, 0};
      return items;
    };
    for (int s = s0; s < s1i; s++)
      count_weight_bytes(2 * ((size_t)I * H + sizeof(float) * (size_t)I) + (size_t)H * I + sizeof(float) * (size_t)H);

    WItem* items = build_items(I);
    if (!items) return TN_E_NOMEM;
    int n_up = 0;
    while (items[n_up].seg >= 0) n_up++;
    parallel_items(n_up, [&](int64_t it) {
      const WSegment& sg = segs[items[it].seg];
      const int ne = sg.a1 - sg.a0, r0 = items[it].r0, r1 = items[it].r1, nr = r1 - r0;
      static thread_local AlignedBuf up_buf;
      float* us = scratch<float>(up_buf, (size_t)ne * nr);  // w3 x of this block: [ne, nr]
      if (!us) {
        status.store(TN_E_NOMEM, std::memory_order_relaxed);
        return;
      }
      const int8_t* w1e = (const int8_t*)w1->w + (size_t)sg.e * I * H;
      const int8_t* w3e = (const int8_t*)w3->w + (size_t)sg.e * I * H;
      const float* s1e = s1 + (size_t)sg.e * I;
      const float* s3e = s3 + (size_t)sg.e * I;
      float* gs0 = g + (size_t)sg.row0 * I;
      if (q1 && q3) {  // int8 activations: dot_i8_rows over their quantized rows
        auto row = [&](int r) { return xq + (size_t)(order[sg.a0 + r] / K) * H; };
        auto row16 = [&](int r) { return x16 + (size_t)(order[sg.a0 + r] / K) * H; };
        auto scale = [&](int r) { return xs[order[sg.a0 + r] / K]; };
        rows_i8_scaled(qk, ne, row, row16, scale, w1e + (size_t)r0 * H, p1 - r0, nr, H, s1e + r0, gs0 + r0, (size_t)I);
        rows_i8_scaled(qk, ne, row, row16, scale, w3e + (size_t)r0 * H, p3 - r0, nr, H, s3e + r0, us, (size_t)nr);
      } else {
        for (int j = r0; j < r1; j++) {
          const int8_t* a = w1e + (size_t)j * H;
          const int8_t* b = w3e + (size_t)j * H;
          for (int r = 0; r < ne; r++) {
            const int t = order[sg.a0 + r] / K;
            gs0[(size_t)r * I + j] = q1 ? ((float)qk.dot_i8(xq + (size_t)t * H, a, H) * s1e[j]) * xs[t]
                                        : qk.dot_f32_i8(x + (size_t)t * H, a, H) * s1e[j];
            us[(size_t)r * nr + (j - r0)] = q3 ? ((float)qk.dot_i8(xq + (size_t)t * H, b, H) * s3e[j]) * xs[t]
                                               : qk.dot_f32_i8(x + (size_t)t * H, b, H) * s3e[j];
          }
        }
      }
      // r0 is a multiple of kWBlock, so the SIMD SwiGLU splits the row where a whole-row call would
      for (int r = 0; r < ne; r++) kt.swiglu(gs0 + (size_t)r * I + r0, us + (size_t)r * nr, nr);
    });
    if (status.load() != TN_OK) return status.load();
    if (q2) {
      quantize_rows(qk, g, rows, I, gq, gs);
      if (p2 > 0) widen_rows(gq, (size_t)rows * I, g16);
    }
    items = build_items(H);
    if (!items) return TN_E_NOMEM;
    int n_down = 0;
    while (items[n_down].seg >= 0) n_down++;
    parallel_items(n_down, [&](int64_t it) {
      const WSegment& sg = segs[items[it].seg];
      const int ne = sg.a1 - sg.a0, r0 = items[it].r0, r1 = items[it].r1;
      const int8_t* w2e = (const int8_t*)w2->w + (size_t)sg.e * H * I;
      const float* s2e = s2 + (size_t)sg.e * H;
      if (q2) {  // int8 activations: dot_i8_rows over their quantized rows
        rows_i8_scaled(
            qk, ne, [&](int r) { return gq + (size_t)(sg.row0 + r) * I; },
            [&](int r) { return g16 + (size_t)(sg.row0 + r) * I; }, [&](int r) { return gs[sg.row0 + r]; },
            w2e + (size_t)r0 * I, p2 - r0, r1 - r0, I, s2e + r0, d + (size_t)sg.row0 * H + r0, (size_t)H);
        return;
      }
      for (int j = r0; j < r1; j++) {
        const int8_t* a = w2e + (size_t)j * I;
        for (int r = 0; r < ne; r++) {
          const size_t row = (size_t)sg.row0 + r;
          d[row * H + j] = q2 ? ((float)qk.dot_i8(gq + row * I, a, I) * s2e[j]) * gs[row]
                              : qk.dot_f32_i8(g + row * I, a, I) * s2e[j];
        }
      }
    });
    for (int s = s0; s < s1i; s++) {
      const WSegment& sg = segs[s];
      for (int a = sg.a0; a < sg.a1; a++) {
        const float wgt = routing_weights[order[a]];
        float* o = out + (size_t)(order[a] / K) * H;
        const float* dr = d + (size_t)(sg.row0 + a - sg.a0) * H;
        for (int i = 0; i < H; i++) o[i] += dr[i] * wgt;
      }
    }
    s0 = s1i;
  }
  return TN_OK;
}
}
