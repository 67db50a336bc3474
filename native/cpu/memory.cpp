// Native memory: aligned buffers and read-only file mappings (no 2 GiB limit, unlike
// Java 17's MappedByteBuffer).
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <unordered_map>

#include "tramontane_cpu.h"

// Large buffers (weights, KV cache, activations sized for a whole prefill chunk) come straight
// from mmap, 2 MiB aligned and advised to use transparent huge pages (fewer TLB misses while the
// decode kernels stream them).  Their pages are zero until first touched and resident only from
// then on, so a buffer sized for the worst case costs memory only for what the steps really use,
// and tn_free returns it to the system at once (malloc would keep a freed chunk's pages in its heap).
// From 1 MiB, so a layer's q/k/v and o_proj weights (a few MiB each) get huge pages too, not only
// the experts and lm_head: from 4 KiB pages they stream markedly slower (decisions.md:
// huge-threshold).
constexpr size_t kHugeThreshold = (size_t)1 << 20;
constexpr size_t kHugePage = (size_t)2 << 20;

namespace {
std::mutex g_maps_mu;
std::unordered_map<void*, size_t>& mapped() {  // address -> length of each mmap'd buffer
  static std::unordered_map<void*, size_t> m;
  return m;
}

void* map_zeroed(size_t bytes) {
  // Only whole 2 MiB ranges become huge pages; the tail past the last one stays in 4 KiB pages, so
  // no rounding slack is ever resident (a 3 MiB weight costs 3 MiB, not 4).
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t len = (bytes + page - 1) & ~(page - 1);
  // over-map by one huge page, then cut the slack so the buffer starts on a 2 MiB boundary
  char* raw = (char*)mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  uintptr_t a = ((uintptr_t)raw + kHugePage - 1) & ~(uintptr_t)(kHugePage - 1);
  char* p = (char*)a;
  if (p > raw) munmap(raw, (size_t)(p - raw));
  size_t tail = (size_t)(raw + len + kHugePage - (p + len));
  if (tail) munmap(p + len, tail);
#ifdef MADV_HUGEPAGE
  madvise(p, len, MADV_HUGEPAGE);
#endif
  try {
    std::lock_guard<std::mutex> lk(g_maps_mu);
    mapped()[p] = len;
  } catch (...) {  // no exception crosses the C ABI: an unrecorded buffer is a failed allocation
    munmap(p, len);
    return nullptr;
  }
  return p;
}
}  // namespace

extern "C" {

void* tn_alloc(size_t bytes) {
  if (bytes >= kHugeThreshold) return map_zeroed(bytes);
  size_t rounded = (bytes + 63) & ~(size_t)63;
  if (rounded == 0) rounded = 64;
  void* p = aligned_alloc(64, rounded);
  if (!p) return nullptr;
  memset(p, 0, rounded);
  return p;
}

void tn_free(void* p) {
  if (!p) return;
  {
    std::lock_guard<std::mutex> lk(g_maps_mu);
    auto it = mapped().find(p);
    if (it != mapped().end()) {
      munmap(p, it->second);
      mapped().erase(it);
      return;
    }
  }
  free(p);
}

void* tn_map_file(const char* path, size_t* len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    close(fd);
    return nullptr;
  }
  void* p = mmap(nullptr, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return nullptr;
  *len = (size_t)st.st_size;
  return p;
}

void tn_unmap(void* p, size_t len) {
  if (p) munmap(p, len);
}
}
