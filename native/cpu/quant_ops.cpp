// Quantized linears (W8A8 dynamic, W8A16) and the expert-grouped MoE over any linear weight.
// Arguments are checked here, at the JNI edge; integer math is exact so W8A8 results are the
// same on every ISA level and thread count.
#include <math.h>
#include <string.h>

#include <atomic>
#include <vector>

#include "kernels.h"
#include "qkernels.h"
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

// Round half away from zero, computed exactly: trunc, then compare the exact fraction with 0.5.
inline int8_t round_clamp_i8(float v) {
  float t = truncf(v);
  float frac = v - t;  // exact: v and t share the exponent range
  float r = t;
  if (frac >= 0.5f) r = t + 1.f;
  else if (frac <= -0.5f) r = t - 1.f;
  if (r > 127.f) r = 127.f;
  if (r < -127.f) r = -127.f;
  return (int8_t)r;
}

void quantize_row(const float* x, int k, int8_t* q, float* scale) {
  float amax = 0.f;
  for (int i = 0; i < k; i++) {
    float a = fabsf(x[i]);
    if (a > amax) amax = a;
  }
  float s = amax / 127.f;
  *scale = s;
  if (s == 0.f) {
    memset(q, 0, (size_t)k);
    return;
  }
  for (int i = 0; i < k; i++) q[i] = round_clamp_i8(x[i] / s);
}

std::vector<int8_t>& q_scratch() {
  thread_local std::vector<int8_t> v;
  return v;
}
std::vector<float>& s_scratch() {
  thread_local std::vector<float> v;
  return v;
}

bool valid_weight(const tn_linear_weight* w) {
  if (!w || !w->w) return false;
  if (w->dtype == TN_I8) return w->scale && (w->act_quant == TN_ACT_NONE || w->act_quant == TN_ACT_INT8_PER_TOKEN);
  return valid_dtype(w->dtype);
}

int linear_w(const float* x, int m, int k, const tn_linear_weight* w, int n, float* out, int round_act) {
  if (!valid_weight(w) || m < 0 || k <= 0 || n <= 0) return TN_E_ARG;
  if (w->dtype != TN_I8) return tn_linear(x, m, k, w->w, w->dtype, n, out, round_act);
  if (m == 0) return TN_OK;
  const int8_t* wq = (const int8_t*)w->w;
  const QKernels& qk = qkernels();
  count_weight_bytes((size_t)n * k + sizeof(float) * (size_t)n);
  if (w->act_quant == TN_ACT_INT8_PER_TOKEN) {
    std::vector<int8_t>& xq = q_scratch();
    std::vector<float>& xs = s_scratch();
    if (xq.size() < (size_t)m * k) xq.resize((size_t)m * k);
    if (xs.size() < (size_t)m) xs.resize(m);
    for (int r = 0; r < m; r++) quantize_row(x + (size_t)r * k, k, xq.data() + (size_t)r * k, &xs[r]);
    const int8_t* xqp = xq.data();
    const float* xsp = xs.data();
    parallel_for(n, [&](int64_t b, int64_t e) {
      for (int64_t j = b; j < e; j++) {
        const int8_t* wr = wq + (size_t)j * k;
        for (int r = 0; r < m; r++) {
          int32_t acc = qk.dot_i8(xqp + (size_t)r * k, wr, k);
          out[(size_t)r * n + j] = ((float)acc * w->scale[j]) * xsp[r];
        }
      }
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
  size_t elem = w->dtype == TN_I8 ? 1 : (size_t)kDTypes[w->dtype].elem_bytes;
  b.w = (const char*)w->w + (size_t)e * n * k * elem;
  if (w->scale) b.scale = w->scale + (size_t)e * n;
  return b;
}

}  // namespace

extern "C" {

int tn_linear_w(const float* x, int m, int k, const tn_linear_weight* w, int n, float* out, int round_act) {
  return linear_w(x, m, k, w, n, out, round_act);
}

size_t tn_moe_w_scratch_floats(const tn_moe_params* p) {
  size_t T = (size_t)p->num_tokens;
  return T * p->hidden * 2 + T * p->inter * 2;
}

int tn_quantize_rows(const float* x, int m, int k, int8_t* xq, float* scales) {
  if (m < 0 || k <= 0) return TN_E_ARG;
  for (int r = 0; r < m; r++) quantize_row(x + (size_t)r * k, k, xq + (size_t)r * k, scales + r);
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
                     const tn_linear_weight* w3, const tn_linear_weight* w2, float* scratch,
                     float* out) {
  if (!p || p->num_tokens < 0 || p->top_k <= 0 || p->hidden <= 0 || p->inter <= 0 || p->num_experts <= 0 ||
      !valid_weight(w1) || !valid_weight(w3) || !valid_weight(w2))
    return TN_E_ARG;
  const int T = p->num_tokens, H = p->hidden, I = p->inter, K = p->top_k;
  for (int i = 0; i < T * K; i++)
    if (expert_ids[i] < 0 || expert_ids[i] >= p->num_experts) return TN_E_INDEX;
  float* xg = scratch;            // [n_e, H] tokens routed to e
  float* g = xg + (size_t)T * H;  // [n_e, I] w1 x
  float* u = g + (size_t)T * I;   // [n_e, I] w3 x
  float* d = u + (size_t)T * I;   // [n_e, H] w2(...)
  memset(out, 0, sizeof(float) * (size_t)T * H);
  std::vector<int> rows;
  std::vector<float> weights;
  rows.reserve(T);
  weights.reserve(T);
  // Experts in index order, as HF's loop adds them (same float summation order per token).
  for (int e = 0; e < p->num_experts; e++) {
    rows.clear();
    weights.clear();
    for (int t = 0; t < T; t++)
      for (int j = 0; j < K; j++)
        if (expert_ids[t * K + j] == e) {
          rows.push_back(t);
          weights.push_back(routing_weights[t * K + j]);
        }
    int ne = (int)rows.size();
    if (ne == 0) continue;
    for (int r = 0; r < ne; r++) memcpy(xg + (size_t)r * H, x + (size_t)rows[r] * H, sizeof(float) * H);
    tn_linear_weight b1 = expert_block(w1, e, I, H), b3 = expert_block(w3, e, I, H), b2 = expert_block(w2, e, H, I);
    int rc = linear_w(xg, ne, H, &b1, I, g, p->round_act);
    if (rc == TN_OK) rc = linear_w(xg, ne, H, &b3, I, u, p->round_act);
    if (rc != TN_OK) return rc;
    for (int r = 0; r < ne; r++) tn::kernels().swiglu(g + (size_t)r * I, u + (size_t)r * I, I);
    rc = linear_w(g, ne, I, &b2, H, d, p->round_act);
    if (rc != TN_OK) return rc;
    for (int r = 0; r < ne; r++) {
      float* o = out + (size_t)rows[r] * H;
      const float* dr = d + (size_t)r * H;
      for (int i = 0; i < H; i++) o[i] += dr[i] * weights[r];
    }
  }
  return TN_OK;
}
}
