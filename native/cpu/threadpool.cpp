#include "threadpool.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace tn {
namespace {

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
      fn_ = fn;
      ctx_ = ctx;
      n_ = n;
      parts_ = parts;
      pending_ = parts - 1;
      generation_++;
    }
    cv_.notify_all();
    chunk(0);
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [&] { return pending_ == 0; });
  }

 private:
  void chunk(int part) {
    int64_t b = n_ * part / parts_, e = n_ * (part + 1) / parts_;
    if (b < e) fn_(ctx_, b, e);
  }

  void start(int n) {
    if (n < 1) n = 1;
    quit_ = false;
    // The generation is read here, not in the new thread: a job posted before the thread first
    // runs must still count as new for it (else the caller waits forever for that chunk).
    uint64_t gen = generation_;
    for (int i = 1; i < n; i++) workers_.emplace_back([this, i, gen] { loop(i, gen); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  void loop(int idx, uint64_t seen) {
    for (;;) {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return quit_ || generation_ != seen; });
      if (quit_) return;
      seen = generation_;
      bool mine = idx < parts_;
      lk.unlock();
      if (!mine) continue;
      chunk(idx);
      lk.lock();
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }

  std::mutex call_mu_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  bool quit_ = false;
  uint64_t generation_ = 0;
  RangeFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int64_t n_ = 0;
  int parts_ = 1;
  int pending_ = 0;
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
