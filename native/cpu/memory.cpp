// Native memory: aligned buffers and read-only file mappings (no 2 GiB limit, unlike
// Java 17's MappedByteBuffer).
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tramontane_cpu.h"

extern "C" {

// Large buffers (weights, KV cache) are 2 MiB aligned and advised to use transparent huge pages:
// fewer TLB misses while the decode kernels stream them.
constexpr size_t kHugeThreshold = (size_t)4 << 20;
constexpr size_t kHugePage = (size_t)2 << 20;

void* tn_alloc(size_t bytes) {
  size_t align = bytes >= kHugeThreshold ? kHugePage : 64;
  size_t rounded = (bytes + align - 1) & ~(align - 1);
  if (rounded == 0) rounded = 64;
  void* p = aligned_alloc(align, rounded);
  if (!p) return nullptr;
#ifdef MADV_HUGEPAGE
  if (align == kHugePage) madvise(p, rounded, MADV_HUGEPAGE);
#endif
  memset(p, 0, rounded);
  return p;
}

void tn_free(void* p) { free(p); }

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
