// The elementwise operations of a layer: the embedding lookup, RMSNorm, rotate-half RoPE and the
// residual add (HF MixtralRMSNorm / apply_rotary_pos_emb, in f32).
#include <math.h>

#include "kernels.h"
#include "profile.h"
#include "threadpool.h"
#include "tramontane_cpu.h"

using namespace tn;

namespace {
constexpr int kMaxHeadDim = 512;
}  // namespace

extern "C" {

int tn_embedding(const void* table, int dtype, int64_t vocab, int hidden, const int32_t* ids,
                 int num_tokens, float* out) {
  TN_PROF("embedding", num_tokens, hidden);
  if (!valid_float_dtype(dtype) || hidden <= 0 || num_tokens < 0) return TN_E_ARG;
  for (int t = 0; t < num_tokens; t++)
    if (ids[t] < 0 || ids[t] >= vocab) return TN_E_INDEX;
  const size_t row_bytes = (size_t)hidden * kDTypes[dtype].elem_bytes;
  count_weight_bytes((size_t)num_tokens * row_bytes);
  for (int t = 0; t < num_tokens; t++) {
    const void* row = (const char*)table + (size_t)ids[t] * row_bytes;
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

int tn_add(float* y, const float* x, size_t n) {
  TN_PROF("add", (int)n);
  for (size_t i = 0; i < n; i++) y[i] += x[i];
  return TN_OK;
}
}
