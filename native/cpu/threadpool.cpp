#include "threadpool.h"

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TN_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define TN_CPU_RELAX() __asm__ __volatile__("yield" ::: "memory")
#else
#define TN_CPU_RELAX() ((void)0)
#endif

namespace tn {
namespace {

// How long a worker keeps polling for the next job after finishing one, and the caller for the
// workers' chunks, before sleeping on a condition variable.  A decode step posts ~40 jobs a few
// microseconds apart; waking a sleeping worker costs tens to ~100 us on a VM (futex + vCPU wake),
// which was a large share of each small linear.  Past this budget the thread sleeps, so an idle
// engine does not hold the cores.
int spin_us() {
  static const int us = [] {
    const char* s = getenv("TN_POOL_SPIN_US");
    int v = s ? atoi(s) : 200;
    return v < 0 ? 0 : v;
  }();
  return us;
}

// Polls pred() with pause until it holds or `us` microseconds pass; true when it held.
template <typename P>
bool spin_until(P&& pred, int us) {
  if (us <= 0) return pred();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
  for (;;) {
    for (int i = 0; i < 64; i++) {
      if (pred()) return true;
      TN_CPU_RELAX();
    }
    if (std::chrono::steady_clock::now() >= deadline) return pred();
  }
}

class Pool {
 public:
  explicit Pool(int n) { start(n); }
  ~Pool() { stop(); }

  int size() const { return (int)workers_.size() + 1; }

  void resize(int n) {
    std::lock_guard<std::mutex> call(call_mu_);
    stop();
    start(n);
  }

  void run(int64_t n, RangeFn fn, void* ctx) {
    if (n <= 0) return;
    int parts = size();
    if (n < parts) parts = (int)n;
    if (parts <= 1) {
      fn(ctx, 0, n);
      return;
    }
    std::lock_guard<std::mutex> call(call_mu_);  // one job at a time (ranks share the pool)
    {
      std::lock_guard<std::mutex> lk(mu_);
      job_ = Job{fn, ctx, n, parts};
      pending_.store(parts - 1, std::memory_order_relaxed);
      generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    cv_.notify_all();
    chunk(job_, 0);
    if (!spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; }, spin_us())) {
      std::unique_lock<std::mutex> lk(mu_);
      done_cv_.wait(lk, [&] { return pending_.load(std::memory_order_acquire) == 0; });
    }
  }

 private:
  struct Job {
    RangeFn fn = nullptr;
    void* ctx = nullptr;
    int64_t n = 0;
    int parts = 1;
  };

  static void chunk(const Job& j, int part) {
    int64_t b = j.n * part / j.parts, e = j.n * (part + 1) / j.parts;
    if (b < e) j.fn(j.ctx, b, e);
  }

  void start(int n) {
    if (n < 1) n = 1;
    quit_.store(false);
    // The generation is read here, not in the new thread: a job posted before the thread first
    // runs must still count as new for it (else the caller waits forever for that chunk).
    uint64_t gen = generation_.load();
    for (int i = 1; i < n; i++) workers_.emplace_back([this, i, gen] { loop(i, gen); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      quit_.store(true);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  void loop(int idx, uint64_t seen) {
    for (;;) {
      auto posted = [&] {
        return quit_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
      };
      Job j;
      {
        // The job is read under mu_ together with its generation (a consistent snapshot even when
        // this worker sits a job out and the caller has already posted the next one).
        bool ready = spin_until(posted, spin_us());
        std::unique_lock<std::mutex> lk(mu_);
        if (!ready) cv_.wait(lk, posted);
        if (quit_.load()) return;
        seen = generation_.load(std::memory_order_relaxed);
        j = job_;
      }
      if (idx >= j.parts) continue;
      chunk(j, idx);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // The caller may be asleep on done_cv_: take mu_ so the notify cannot fall between its
        // predicate check and its wait.
        std::lock_guard<std::mutex> lk(mu_);
        done_cv_.notify_one();
      }
    }
  }

  std::mutex call_mu_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  std::atomic<bool> quit_{false};
  std::atomic<uint64_t> generation_{0};
  Job job_;
  std::atomic<int> pending_{0};
};

Pool& pool() {
  static Pool p((int)std::thread::hardware_concurrency());
  return p;
}

}  // namespace

void parallel_for(int64_t n, RangeFn fn, void* ctx) { pool().run(n, fn, ctx); }
int pool_threads() { return pool().size(); }
int pool_resize(int n) {
  if (n <= 0) n = (int)std::thread::hardware_concurrency();
  pool().resize(n);
  return pool().size();
}

}  // namespace tn

extern "C" {
int tn_set_threads(int num_threads) { return tn::pool_resize(num_threads); }
int tn_num_threads(void) { return tn::pool_threads(); }
}
