// One persistent pool for the whole process.  Workers sleep on a condition variable between
// jobs (no spinning: on a 2-core box a spinning worker steals the core the caller needs).
// The calling thread takes part in every job.
#ifndef TN_THREADPOOL_H
#define TN_THREADPOOL_H
#include <stdint.h>

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

}  // namespace tn
#endif
