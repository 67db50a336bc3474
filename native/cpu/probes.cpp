// Machine-limit probes for `bench`: read bandwidth and the peak rate of the FMA / bf16-dot /
// int8-dot instructions, measured on every pool thread at once in the same process and run as
// the model (so ratios compare like with like).  Baseline flags: the loops themselves live in the
// ISA files and run only when dispatch.cpp saw their features.
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <atomic>

#include "kernels.h"
#include "profile.h"
#include "threadpool.h"
#include "tramontane_cpu.h"

using namespace tn;

namespace {

double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

PeakLoopFn peak_loop(int kind) {
  switch (kind) {
    case TN_PEAK_FP32_FMA: return kernels().fma_peak;
    case TN_PEAK_BF16_DOT:
      return kernels().panel_bf16dp ? bf16_dot_peak() : nullptr;
    case TN_PEAK_INT8_VNNI:
      if (has_avx512_vnni() && tn_isa_active() >= TN_ISA_AVX512) return vnni_peak_loop;
      if (has_avx_vnni() && tn_isa_active() >= TN_ISA_AVX2) return avxvnni_peak_loop;
      return nullptr;
    default: return amx_peak(kind);
  }
}

}  // namespace

extern "C" {

int tn_probe_peak(int kind, int millis, int repeats, double* ops_per_s) {
  if (kind < TN_PEAK_FP32_FMA || kind > TN_PEAK_AMX_INT8 || millis <= 0 || repeats <= 0 || !ops_per_s)
    return TN_E_ARG;
  *ops_per_s = 0;
  PeakLoopFn loop = peak_loop(kind);
  if (!loop) return TN_OK;
  // calibrate on the calling thread: iterations for about `millis` ms
  long iters = 1 << 16;
  double t0 = now_s();
  loop(iters);
  double dt = now_s() - t0;
  if (dt > 0) iters = (long)((double)iters * (millis * 1e-3) / dt) + 1;
  const int threads = pool_threads();
  double best = 0;
  for (int r = 0; r < repeats; r++) {
    std::atomic<long long> ops_milli{0};
    double start = now_s();
    parallel_for(threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) ops_milli.fetch_add((long long)(loop(iters) / 1000.0));
    });
    double wall = now_s() - start;
    double rate = (double)ops_milli.load() * 1000.0 / wall;
    if (rate > best) best = rate;
  }
  *ops_per_s = best;
  return TN_OK;
}

int tn_probe_read_bandwidth(size_t bytes, int repeats, double* bytes_per_s) {
  if (bytes < 4096 || repeats <= 0 || !bytes_per_s) return TN_E_ARG;
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return TN_E_NOMEM;
#ifdef MADV_HUGEPAGE
  madvise(mem, bytes, MADV_HUGEPAGE);
#endif
  float* a = (float*)mem;
  const size_t n = bytes / sizeof(float);
  const int threads = pool_threads();
  // first touch by the threads that will read each part
  parallel_for(threads, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; p++) {
      size_t lo = n * p / threads, hi = n * (p + 1) / threads;
      for (size_t i = lo; i < hi; i++) a[i] = 1.0f;
    }
  });
  SumFn sum = kernels().sum;
  double best = 0;
  volatile float sink = 0;
  for (int r = 0; r < repeats; r++) {
    std::atomic<int> parts_done{0};
    float partial[256] = {0};
    double start = now_s();
    parallel_for(threads, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; p++) {
        size_t lo = n * p / threads, hi = n * (p + 1) / threads;
        partial[p % 256] = sum(a + lo, hi - lo);
        parts_done.fetch_add(1);
      }
    });
    double wall = now_s() - start;
    for (int p = 0; p < threads && p < 256; p++) sink = sink + partial[p];
    double rate = (double)(n * sizeof(float)) / wall;
    if (rate > best) best = rate;
  }
  munmap(mem, bytes);
  *bytes_per_s = best;
  return TN_OK;
}

}  // extern "C"

// ---- the weight-traffic counter ----

namespace {
std::atomic<uint64_t> g_weight_bytes{0};
}  // namespace

void tn::count_weight_bytes(size_t bytes) { g_weight_bytes.fetch_add(bytes, std::memory_order_relaxed); }

extern "C" uint64_t tn_weight_bytes_read(void) { return g_weight_bytes.load(std::memory_order_relaxed); }

// ---- the attention-time counter ----

namespace {
std::atomic<uint64_t> g_attention_ns{0};

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
}  // namespace

tn::AttentionClock::AttentionClock() : t0(now_ns()) {}

tn::AttentionClock::~AttentionClock() { g_attention_ns.fetch_add(now_ns() - t0, std::memory_order_relaxed); }

extern "C" uint64_t tn_attention_nanos(void) { return g_attention_ns.load(std::memory_order_relaxed); }
