// The backend operations (one per Backend SPI call), written against the kernel table so each
// runs on whichever ISA level is active.  Argument checks happen here, at the JNI edge.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "kernels.h"
#include "threadpool.h"
#include "tramontane_cpu.h"

using namespace tn;

namespace {

constexpr int kMaxHeadDim = 512;

// Grow-only per-thread scratch (reused across calls: no allocation per token once warm).
uint16_t* bf16_scratch(size_t n) {
  thread_local std::vector<uint16_t> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

const void* row_ptr(const void* base, int dtype, int64_t row, int64_t row_len) {
  return (const char*)base + (size_t)(row * row_len) * kDTypes[dtype].elem_bytes;
}
void* row_ptr(void* base, int dtype, int64_t row, int64_t row_len) {
  return (char*)base + (size_t)(row * row_len) * kDTypes[dtype].elem_bytes;
}

int linear_impl(const float* x, int m, int k, const void* w, int w_dtype, int n, float* out,
                int round_act) {
  if (m < 0 || k <= 0 || n <= 0 || !valid_dtype(w_dtype)) return TN_E_ARG;
  if (m == 0) return TN_OK;
  const Kernels& kt = kernels();
  if (round_act && w_dtype == TN_BF16) {
    uint16_t* xb = bf16_scratch((size_t)m * k);
    for (size_t i = 0; i < (size_t)m * k; i++) xb[i] = f32_to_bf16(x[i]);
    const uint16_t* wb = (const uint16_t*)w;
    parallel_for(n, [&](int64_t b, int64_t e) {
      for (int64_t j = b; j < e; j++)
        for (int r = 0; r < m; r++)
          out[(size_t)r * n + j] = kt.dot_bf16_bf16(xb + (size_t)r * k, wb + (size_t)j * k, k);
    });
    return TN_OK;
  }
  DotFn dot = kt.dot[w_dtype];
  parallel_for(n, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; j++) {
      const void* wr = row_ptr(w, w_dtype, j, k);
      for (int r = 0; r < m; r++) out[(size_t)r * n + j] = dot(x + (size_t)r * k, wr, k);
    }
  });
  return TN_OK;
}


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

int tn_embedding(const void* table, int dtype, int64_t vocab, int hidden, const int32_t* ids,
                 int num_tokens, float* out) {
  if (!valid_dtype(dtype) || hidden <= 0 || num_tokens < 0) return TN_E_ARG;
  for (int t = 0; t < num_tokens; t++)
    if (ids[t] < 0 || ids[t] >= vocab) return TN_E_INDEX;
  for (int t = 0; t < num_tokens; t++) {
    const void* row = row_ptr(table, dtype, ids[t], hidden);
    for (int i = 0; i < hidden; i++) out[(size_t)t * hidden + i] = load_elem(row, dtype, i);
  }
  return TN_OK;
}

int tn_rms_norm(const float* x, const float* w, float* out, int rows, int dim, float eps) {
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
  return linear_impl(x, m, k, w, w_dtype, n, out, round_act);
}

int tn_rope(float* q, int q_stride, float* k, int k_stride, const int32_t* positions,
            int num_tokens, int num_heads, int num_kv_heads, int head_dim, float theta) {
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
  if (!kv || !p || !valid_dtype(kv->dtype) || kv->head_dim <= 0 || kv->head_dim > kMaxHeadDim ||
      kv->num_kv_heads <= 0 || p->num_heads % kv->num_kv_heads != 0 || kv->block_size <= 0)
    return TN_E_ARG;
  const int hd = kv->head_dim, bs = kv->block_size, mb = p->max_blocks_per_seq;
  // Check every index the loops below will follow before touching memory.
  for (int t = 0; t < p->num_tokens; t++) {
    if (seq_idx[t] < 0 || seq_idx[t] >= p->num_seqs || positions[t] < 0) return TN_E_INDEX;
    int last_block = positions[t] / bs;
    if (last_block >= mb) return TN_E_INDEX;
    for (int b = 0; b <= last_block; b++) {
      int32_t id = block_tables[(size_t)seq_idx[t] * mb + b];
      if (id < 0 || id >= kv->num_blocks) return TN_E_INDEX;
    }
  }
  const int group = p->num_heads / kv->num_kv_heads;
  const int kv_dim = kv->num_kv_heads * hd;
  const Kernels& kt = kernels();
  DotFn dot = kt.dot[kv->dtype];
  AxpyFn axpy = kt.axpy[kv->dtype];
  parallel_for((int64_t)p->num_tokens * p->num_heads, [&](int64_t b, int64_t e) {
    float acc[kMaxHeadDim];
    for (int64_t th = b; th < e; th++) {
      int t = (int)(th / p->num_heads), h = (int)(th % p->num_heads), kvh = h / group;
      const float* qv = q + (size_t)t * q_stride + (size_t)h * hd;
      const int32_t* table = block_tables + (size_t)seq_idx[t] * mb;
      int pos = positions[t];
      int lo = p->window > 0 ? pos - p->window + 1 : 0;
      if (lo < 0) lo = 0;
      // online softmax (flash style): running max m, normaliser l, weighted sum acc
      float m = -INFINITY, l = 0.f;
      for (int i = 0; i < hd; i++) acc[i] = 0.f;
      for (int j = lo; j <= pos; j++) {
        int64_t slot = (int64_t)table[j / bs] * bs + j % bs;
        const void* kr = row_ptr(k_cache, kv->dtype, slot * kv->num_kv_heads + kvh, hd);
        float s = dot(qv, kr, hd) * p->scale;
        if (s > m) {
          float c = expf(m - s);
          for (int i = 0; i < hd; i++) acc[i] *= c;
          l *= c;
          m = s;
        }
        float w = expf(s - m);
        l += w;
        axpy(w, row_ptr(v_cache, kv->dtype, slot * kv->num_kv_heads + kvh, hd), acc, hd);
      }
      float* o = out + (size_t)t * p->num_heads * hd + (size_t)h * hd;
      float inv = 1.f / l;
      for (int i = 0; i < hd; i++) o[i] = acc[i] * inv;
    }
  });
  (void)kv_dim;
  return TN_OK;
}

int tn_moe_gate(const float* x, const float* gate_w, int num_tokens, int hidden, int num_experts,
                int top_k, int32_t* expert_ids, float* routing_weights, float* router_logits) {
  if (num_experts <= 0 || num_experts > 256 || top_k <= 0 || top_k > num_experts) return TN_E_ARG;
  std::vector<float> logits((size_t)num_tokens * num_experts);
  int rc = linear_impl(x, num_tokens, hidden, gate_w, TN_F32, num_experts, logits.data(), 0);
  if (rc != TN_OK) return rc;
  if (router_logits) memcpy(router_logits, logits.data(), logits.size() * sizeof(float));
  for (int t = 0; t < num_tokens; t++) {
    const float* lg = logits.data() + (size_t)t * num_experts;
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
  size_t T = (size_t)p->num_tokens;
  return T * p->hidden * 2 + T * p->inter * 2;
}

int tn_add(float* y, const float* x, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] += x[i];
  return TN_OK;
}

int tn_fill_random(void* dst, int dtype, size_t n, uint64_t seed, float scale) {
  if (!valid_dtype(dtype) || !dst) return TN_E_ARG;
  parallel_for((int64_t)n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      uint64_t z = seed + 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);  // splitmix64
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      float u = (float)(z >> 40) * (1.0f / 8388608.0f) - 1.0f;  // 24 bits -> [-1, 1)
      store_elem(dst, dtype, i, scale * u);
    }
  });
  return TN_OK;
}
}
