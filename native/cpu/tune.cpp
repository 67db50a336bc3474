// Tuned weight streams: the table of tn_stream_choice per (dtype, n, k) that the 1-3 row products
// on panel weights consult, and the timing run the tuner (CpuTuner in Java) calls for each
// candidate.  Which choice is fastest differs between machines (a non-temporal prefetch skips L2
// on Intel, where the L2 streamer then cannot run ahead of the kernel; AMD keeps it), so it is
// measured on the machine, not fixed here.  Every choice gives the same bits.
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include "linear.h"
#include "scratch.h"
#include "tramontane_cpu.h"

namespace tn {
namespace {

constexpr int kMaxChoices = 64;

// One shape's choice.  Written under g_mu at load, read without a lock by the kernels (relaxed
// atomics: a reader racing a rewrite of the same shape sees some valid value of each field, and
// every mix of valid fields is a valid choice with the same results).
struct Entry {
  std::atomic<int32_t> dtype{-1}, n{0}, k{0};
  std::atomic<int32_t> prefetch{0}, prefetch_bytes{0}, streams{0}, block_rows{0}, split{0};
};
Entry g_entries[kMaxChoices];
std::atomic<int> g_count{0};  // entries [0, g_count) are in use
std::mutex g_mu;

bool valid_choice(const tn_stream_choice& c) {
  return c.prefetch >= TN_PREFETCH_NONE && c.prefetch <= TN_PREFETCH_T0 && c.prefetch_bytes >= 0 &&
         c.prefetch_bytes <= 65536 && (c.streams == 1 || c.streams == 2) && c.block_rows >= 32 &&
         c.block_rows <= 1024 && c.block_rows % 32 == 0 && (c.split == TN_SPLIT_ITEMS || c.split == TN_SPLIT_SHARES);
}

int find(int dt, int n, int k, int count) {
  for (int i = 0; i < count; i++) {
    const Entry& e = g_entries[i];
    if (e.dtype.load(std::memory_order_relaxed) == dt && e.n.load(std::memory_order_relaxed) == n &&
        e.k.load(std::memory_order_relaxed) == k)
      return i;
  }
  return -1;
}

void store(Entry& e, const tn_stream_choice& c) {
  e.prefetch.store(c.prefetch, std::memory_order_relaxed);
  e.prefetch_bytes.store(c.prefetch_bytes, std::memory_order_relaxed);
  e.streams.store(c.streams, std::memory_order_relaxed);
  e.block_rows.store(c.block_rows, std::memory_order_relaxed);
  e.split.store(c.split, std::memory_order_relaxed);
}

bool tunable(const Kernels& kt, int dt) {
  if (dt == TN_I8) return kt.i8->panel_i8_stream != nullptr;
  return valid_float_dtype(dt) && kt.panel_stream[dt] != nullptr;
}

}  // namespace

bool stream_choice(int dt, int n, int k, tn_stream_choice* out) {
  const int count = g_count.load(std::memory_order_acquire);
  if (count == 0) return false;
  const int i = find(dt, n, k, count);
  if (i < 0) return false;
  const Entry& e = g_entries[i];
  out->prefetch = e.prefetch.load(std::memory_order_relaxed);
  out->prefetch_bytes = e.prefetch_bytes.load(std::memory_order_relaxed);
  out->streams = e.streams.load(std::memory_order_relaxed);
  out->block_rows = e.block_rows.load(std::memory_order_relaxed);
  out->split = e.split.load(std::memory_order_relaxed);
  return true;
}

const tn_stream_choice* stream_for(const Kernels& kt, int dt, bool panels, int m, int n, int k, tn_stream_choice* buf) {
  if (!panels || m < 1 || m > (dt == TN_I8 ? 2 : kStreamMaxRows) || !tunable(kt, dt)) return nullptr;
  return stream_choice(dt, n, k, buf) ? buf : nullptr;
}

}  // namespace tn

using namespace tn;

extern "C" {

int tn_set_stream_choice(int dtype, int n, int k, const tn_stream_choice* c) {
  if (!valid_dtype(dtype) || n <= 0 || k <= 0 || !c || !valid_choice(*c)) return TN_E_ARG;
  std::lock_guard<std::mutex> lk(g_mu);
  const int count = g_count.load(std::memory_order_relaxed);
  const int i = find(dtype, n, k, count);
  if (i >= 0) {
    store(g_entries[i], *c);
    return TN_OK;
  }
  if (count == kMaxChoices) return TN_E_NOMEM;
  Entry& e = g_entries[count];
  store(e, *c);
  e.n.store(n, std::memory_order_relaxed);
  e.k.store(k, std::memory_order_relaxed);
  e.dtype.store(dtype, std::memory_order_relaxed);
  g_count.store(count + 1, std::memory_order_release);
  return TN_OK;
}

void tn_clear_stream_choices(void) {
  std::lock_guard<std::mutex> lk(g_mu);
  g_count.store(0, std::memory_order_release);
}

int tn_stream_tunable(int dtype) { return valid_dtype(dtype) && tunable(kernels(), dtype) ? 1 : 0; }

size_t tn_llc_bytes(void) {
  long b = -1;
#ifdef _SC_LEVEL3_CACHE_SIZE
  b = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
#ifdef _SC_LEVEL2_CACHE_SIZE
  if (b <= 0) b = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
  return b > 0 ? (size_t)b : 0;
}

int tn_time_stream(int dtype, int n, int k, const int64_t* regions, int num_regions, const tn_stream_choice* c,
                   int calls, int rounds, double* ns_per_call) {
  if (!valid_dtype(dtype) || n < kPanelRows || k <= 0 || (dtype == TN_I8 && k % 2 != 0) || !regions ||
      num_regions < 1 || !c || !valid_choice(*c) || calls < 1 || rounds < 1 || !ns_per_call)
    return TN_E_ARG;
  // a level without stream kernels (scalar, NEON) has nothing to time
  if (!tunable(kernels(), dtype)) return TN_E_ARG;
  const size_t window = (size_t)n * k * kDTypes[dtype].elem_bytes;
  size_t windows = 0;
  for (int r = 0; r < num_regions; r++)
    if (regions[2 * r] != 0 && regions[2 * r + 1] > 0) windows += (size_t)regions[2 * r + 1] / window;
  if (windows == 0) return TN_E_ARG;
  AlignedBuf x_buf, out_buf, scale_buf;
  float* x = scratch<float>(x_buf, (size_t)k);
  float* out = scratch<float>(out_buf, (size_t)n);
  float* scales = scratch<float>(scale_buf, (size_t)n);
  if (!x || !out || !scales) return TN_E_NOMEM;
  for (int i = 0; i < k; i++) x[i] = (float)((i * 7919) % 255 - 127) / 128.f;
  for (int r = 0; r < n; r++) scales[r] = 1.f;
  tn_linear_weight w = {nullptr, dtype == TN_I8 ? scales : nullptr, dtype | TN_W_PANELS,
                        dtype == TN_I8 ? TN_ACT_INT8_PER_TOKEN : TN_ACT_NONE};
  int region = 0;
  size_t in_region = 0;  // the next window of the current region
  auto next_window = [&]() {
    for (;;) {
      if (regions[2 * region] != 0 && (in_region + 1) * window <= (size_t)regions[2 * region + 1])
        return (const char*)(uintptr_t)regions[2 * region] + in_region++ * window;
      region = (region + 1) % num_regions;
      in_region = 0;
    }
  };
  double best = 0;
  for (int r = 0; r < rounds; r++) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; i++) {
      w.w = next_window();
      const int rc = linear(x, 1, k, &w, n, out, 0, c);
      if (rc != TN_OK) return rc;
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / calls;
    if (r == 0 || ns < best) best = ns;
  }
  *ns_per_call = best;
  return TN_OK;
}
}
