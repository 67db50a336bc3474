// Portable reference bodies: the ground truth the SIMD files are tested against.
// Four independent accumulators keep the dependency chain short without changing the
// meaning (all f32).
#include <math.h>

#include "kernels.h"

namespace tn {
namespace {

template <int D>
float dot_generic(const float* x, const void* w, int n) {
  float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * load_elem(w, D, i);
    s1 += x[i + 1] * load_elem(w, D, i + 1);
    s2 += x[i + 2] * load_elem(w, D, i + 2);
    s3 += x[i + 3] * load_elem(w, D, i + 3);
  }
  for (; i < n; i++) s0 += x[i] * load_elem(w, D, i);
  return (s0 + s1) + (s2 + s3);
}

template <int D>
void axpy_generic(float a, const void* x, float* y, int n) {
  for (int i = 0; i < n; i++) y[i] += a * load_elem(x, D, i);
}

template <int D>
void attn_generic(const float* q, int rows, int hd, float scale, const void* k, const void* v, size_t ld, int n,
                  const int* lo, const int* hi, float* m, float* l, float* acc, float* work) {
  (void)work;
  const size_t eb = (size_t)kDTypes[D].elem_bytes;
  float s[kAttnKeys];  // this row's scores, then their exponentials
  for (int r = 0; r < rows; r++) {
    if (lo[r] >= hi[r]) continue;
    const float* qr = q + (size_t)r * hd;
    float mx = m[r];
    for (int j = lo[r]; j < hi[r]; j++) {
      s[j] = dot_generic<D>(qr, (const char*)k + (size_t)j * ld * eb, hd) * scale;
      mx = s[j] > mx ? s[j] : mx;
    }
    const float a = m[r] == -INFINITY ? 0.f : expf(m[r] - mx);
    float sum = 0.f;
    for (int j = lo[r]; j < hi[r]; j++) sum += s[j] = expf(s[j] - mx);
    l[r] = l[r] * a + sum;
    m[r] = mx;
    float* ar = acc + (size_t)r * hd;
    for (int i = 0; i < hd; i++) ar[i] *= a;
    for (int j = lo[r]; j < hi[r]; j++) axpy_generic<D>(s[j], (const char*)v + (size_t)j * ld * eb, ar, hd);
  }
}

template <int D>
void gemv_generic(const float* x, int ldx, int m, const void* w, size_t ldw, int rows, int k, float* out,
                  int ldo) {
  const size_t eb = (size_t)kDTypes[D].elem_bytes;
  for (int r = 0; r < rows; r++) {
    const void* wr = (const char*)w + (size_t)r * ldw * eb;
    for (int t = 0; t < m; t++) out[(size_t)t * ldo + r] = dot_generic<D>(x + (size_t)t * ldx, wr, k);
  }
}

// The panel layout read element by element; four accumulators per output as dot_generic.
template <int D>
void panel_generic(const float* x, int ldx, int m, const void* panels, int k, int np, float* out, int ldo) {
  for (int p = 0; p < np; p++) {
    const size_t base = (size_t)p * k * kPanelRows;
    for (int c = 0; c < kPanelRows; c++) {
      const size_t pos = base + panel_pos(D, c);
      for (int t = 0; t < m; t++) {
        const float* xr = x + (size_t)t * ldx;
        float s[4] = {0.f, 0.f, 0.f, 0.f};
        for (int i = 0; i < k; i++) s[i % 4] += xr[i] * load_elem(panels, D, pos + (size_t)i * kPanelRows);
        out[(size_t)t * ldo + p * kPanelRows + c] = (s[0] + s[1]) + (s[2] + s[3]);
      }
    }
  }
}

void round_bf16_generic(const float* x, size_t n, float* out) {
  for (size_t i = 0; i < n; i++) out[i] = bf16_to_f32(f32_to_bf16(x[i]));
}

float sum_generic(const float* x, size_t n) {
  float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < n; i++) s0 += x[i];
  return (s0 + s1) + (s2 + s3);
}

double fma_peak_generic(long iters) {
  float a[8] = {1.f, 1.1f, 1.2f, 1.3f, 1.4f, 1.5f, 1.6f, 1.7f};
  const float b = 0.999999f, c = 1e-7f;
  for (long it = 0; it < iters; it++)
    for (int j = 0; j < 8; j++) a[j] = a[j] * b + c;
  volatile float sink = a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
  (void)sink;
  return 2.0 * 8 * (double)iters;
}

}  // namespace

void swiglu_generic(float* g, const float* u, int n) {
  for (int i = 0; i < n; i++) g[i] = silu(g[i]) * u[i];
}

// The sub-block's keys and values dequantized into work ([kAttnKeys][hd] each), then the f32 body.
void attn_i8_generic(const float* q, int rows, int hd, float scale, const int8_t* k, const int8_t* v, size_t ld,
                     const float* k_scale, const float* v_scale, size_t sld, int n, const int* lo, const int* hi,
                     float* m, float* l, float* acc, float* work) {
  float* kw = work;
  float* vw = work + (size_t)kAttnKeys * hd;
  for (int j = 0; j < n; j++) {
    const float ks = k_scale[(size_t)j * sld], vs = v_scale[(size_t)j * sld];
    for (int c = 0; c < hd; c++) {
      kw[(size_t)j * hd + c] = (float)k[(size_t)j * ld + c] * ks;
      vw[(size_t)j * hd + c] = (float)v[(size_t)j * ld + c] * vs;
    }
  }
  attn_generic<TN_F32>(q, rows, hd, scale, kw, vw, (size_t)hd, n, lo, hi, m, l, acc, nullptr);
}

const Kernels kScalarKernels = {
    "scalar",
    {dot_generic<TN_F32>, dot_generic<TN_F16>, dot_generic<TN_BF16>},
    {axpy_generic<TN_F32>, axpy_generic<TN_F16>, axpy_generic<TN_BF16>},
    {attn_generic<TN_F32>, attn_generic<TN_F16>, attn_generic<TN_BF16>},
    {gemv_generic<TN_F32>, gemv_generic<TN_F16>, gemv_generic<TN_BF16>},
    {nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr},
    {panel_generic<TN_F32>, panel_generic<TN_F16>, panel_generic<TN_BF16>},
    {nullptr, nullptr, nullptr},
    nullptr,
    swiglu_generic,
    round_bf16_generic,
    sum_generic,
    fma_peak_generic,
    &kScalarI8Kernels,
    attn_i8_generic,    nullptr,  // no bf16 dot product at this level
};

}  // namespace tn
