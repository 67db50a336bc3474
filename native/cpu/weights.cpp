// Weights at load: dtype conversion, the kernels' panel layout, deterministic dummy weights, and
// the symmetric int8 quantization of weights and of activation rows.
#include <limits.h>
#include <math.h>
#include <string.h>

#include <atomic>

#include "kernels.h"
#include "linear.h"
#include "quantize.h"
#include "scratch.h"
#include "threadpool.h"
#include "tramontane_cpu.h"

using namespace tn;

namespace {

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

}  // namespace

extern "C" {

int tn_convert(const void* src, int src_dtype, void* dst, int dst_dtype, size_t n) {
  if (!valid_float_dtype(src_dtype) || !valid_float_dtype(dst_dtype) || !src || !dst) return TN_E_ARG;
  parallel_for((int64_t)n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) store_elem(dst, dst_dtype, i, load_elem(src, src_dtype, i));
  });
  return TN_OK;
}

int tn_pack_panels(void* w, int dtype, int64_t batch, int64_t n, int64_t k) {
  const bool i8 = valid_dtype(dtype) && kDTypes[dtype].kind == WeightKind::kInt8;
  if (!w || !valid_dtype(dtype) || batch < 0 || n < 0 || k <= 0 || k > INT32_MAX || n > INT32_MAX ||
      (i8 && k % 2))
    return TN_E_ARG;
  const int64_t per = n / kPanelRows;  // whole panels per matrix
  const size_t eb = (size_t)kDTypes[dtype].elem_bytes;
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

int tn_fill_random_runs(void* dst, int dtype, uint64_t seed, float scale, const int64_t* run_starts,
                        size_t num_runs, size_t run_elems) {
  if (!valid_float_dtype(dtype) || !dst || (num_runs > 0 && !run_starts)) return TN_E_ARG;
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

int tn_quantize_rows(const float* x, int m, int k, int8_t* xq, float* scales) {
  if (m < 0 || k <= 0) return TN_E_ARG;
  quantize_rows(*kernels().i8, x, m, k, xq, scales);
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

}
