// Grow-only 64-byte aligned scratch, one per thread that uses it (no allocation per token once
// warm).  get() never throws: it returns nullptr when the allocation fails, and callers turn that
// into TN_E_NOMEM at the C ABI.
#ifndef TN_SCRATCH_H
#define TN_SCRATCH_H
#include <stdlib.h>

namespace tn {

struct AlignedBuf {
  void* p = nullptr;
  size_t cap = 0;
  ~AlignedBuf() { free(p); }
  void* get(size_t bytes) {
    if (bytes > cap) {
      free(p);
      cap = (bytes + 4095) & ~(size_t)4095;
      p = aligned_alloc(64, cap);
      if (!p) cap = 0;
    }
    return p;
  }
};

template <typename T>
T* scratch(AlignedBuf& b, size_t n) {
  return (T*)b.get(n * sizeof(T));
}

}  // namespace tn
#endif
