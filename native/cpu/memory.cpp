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

void* tn_alloc(size_t bytes) {
  size_t rounded = (bytes + 63) & ~(size_t)63;
  if (rounded == 0) rounded = 64;
  void* p = aligned_alloc(64, rounded);
  if (p) memset(p, 0, rounded);
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
