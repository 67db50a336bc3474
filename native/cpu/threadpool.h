// One persistent pool for the whole process.  Between jobs a worker polls for the next one for a
// bounded time (TN_POOL_SPIN_US, default 200 us; 0 = never), then sleeps on a condition variable;
// the caller likewise polls for the workers' chunks before sleeping.  A decode step posts its
// ~40 jobs microseconds apart, so workers stay awake through a step; an idle engine sleeps.
// The calling thread takes part in every job.
#ifndef TN_THREADPOOL_H
#define TN_THREADPOOL_H
#include <stdint.h>

#include <atomic>

namespace tn {

// fn(ctx, begin, end) over [0, n) split in contiguous chunks, one per thread at most.
typedef void (*RangeFn)(void* ctx, int64_t begin, int64_t end);
void parallel_for(int64_t n, RangeFn fn, void* ctx);

template <typename F>
void parallel_for(int64_t n, F&& f) {
  parallel_for(
      n, [](void* c, int64_t b, int64_t e) { (*(F*)c)(b, e); }, (void*)&f);
}

int pool_threads();
int pool_resize(int num_threads);

// Items [0, n) handed out one at a time to every pool thread (dynamic balance: MoE items differ
// in cost when experts get different token counts).
template <typename F>
void parallel_items(int64_t n, F&& f) {
  if (n <= 0) return;
  std::atomic<int64_t> next{0};
  parallel_for(pool_threads(), [&](int64_t, int64_t) {
    for (;;) {
      int64_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) break;
      f(i);
    }
  });
}

// Work items over the output rows [0, n_out) of segments [s0, s1) (an MoE's experts), blk(s) rows
// each, emitted round robin over the segments: emit(s, r0, r1) for block 0 of every segment, then
// block 1, and so on, so the pool's threads work on different segments at once.
template <typename Blk, typename Emit>
void round_robin_blocks(int s0, int s1, int n_out, Blk blk, Emit emit) {
  for (int b = 0, more = 1; more; b++) {
    more = 0;
    for (int s = s0; s < s1; s++) {
      const int w = blk(s), r = b * w;
      if (r >= n_out) continue;
      emit(s, r, r + w < n_out ? r + w : n_out);
      more = 1;
    }
  }
}

}  // namespace tn
#endif
