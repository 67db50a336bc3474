// The start-up check that the libatb.so this process loaded was built for the C++ ABI this library
// was compiled with. ATB ships one build per ABI (nnal/atb/<version>/atb/cxx_abi_0 and cxx_abi_1;
// `source .../nnal/atb/set_env.sh --cxx_abi=N` puts one on LD_LIBRARY_PATH, and without the flag it
// picks by torch's ABI, or 1 without torch). A library built for the other one links and loads
// silently, because ATB's exported functions (CreateOperation<P>, CreateContext, ...) mangle no
// std::string, and then hands ATB params whose std::string fields (AllReduceParam.backend,
// commDomain, rankTableFile, ...) have the other layout: 8 bytes under ABI 0, 32 under ABI 1.
//
// The library's ABI is read from its dynamic symbol names, which name std::string as
// std::__cxx11::basic_string ("St7__cxx11", "B5cxx11") under ABI 1 and as the old "Ss" under ABI 0,
// and otherwise from a cxx_abi_N directory in its path.
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>
#include "internal.h"

namespace {
bool readAt(int fd, void* buf, size_t n, off_t at) { return pread(fd, buf, n, at) == ssize_t(n); }

// The dynamic string table (.dynstr: every dynamic symbol's name) of an ELF64 file, or "".
std::string dynamicStrings(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  Elf64_Ehdr eh;
  if (readAt(fd, &eh, sizeof eh, 0) && std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
      eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_shentsize == sizeof(Elf64_Shdr) && eh.e_shnum > 0) {
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    if (readAt(fd, sh.data(), sh.size() * sizeof(Elf64_Shdr), off_t(eh.e_shoff))) {
      for (const Elf64_Shdr& s : sh) {
        if (s.sh_type != SHT_DYNSYM || s.sh_link >= sh.size()) continue;
        const Elf64_Shdr& str = sh[s.sh_link];
        out.resize(str.sh_size);
        if (!readAt(fd, &out[0], out.size(), off_t(str.sh_offset))) out.clear();
        break;
      }
    }
  }
  close(fd);
  return out;
}

bool contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }
}  // namespace

namespace tna {
int builtCxxAbi();
int libraryCxxAbi(const std::string& path);
// The file of the mapped object that holds `symbol` (/proc/self/maps), or "".
std::string loadedLibrary(const void* symbol);
std::string cxxAbiRefusal(int built, const std::string& path);
std::string atbLibrary();

int builtCxxAbi() {
#ifdef _GLIBCXX_USE_CXX11_ABI
  return _GLIBCXX_USE_CXX11_ABI;
#else
  return -1;
#endif
}

int libraryCxxAbi(const std::string& path) {
  std::string names = dynamicStrings(path);
  bool abi1 = contains(names, "St7__cxx11") || contains(names, "B5cxx11");
  bool abi0 = contains(names, "_ZNSs") || contains(names, "_ZNKSs") || contains(names, "RKSs");
  if (abi1 != abi0) return abi1 ? 1 : 0;
  char real[PATH_MAX];
  std::string p = realpath(path.c_str(), real) ? real : path;
  bool dir0 = contains(p, "/cxx_abi_0/"), dir1 = contains(p, "/cxx_abi_1/");
  if (dir0 != dir1) return dir1 ? 1 : 0;
  return -1;
}

std::string loadedLibrary(const void* symbol) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  uintptr_t a = reinterpret_cast<uintptr_t>(symbol);
  while (std::getline(maps, line)) {
    unsigned long lo = 0, hi = 0;
    int path = -1;
    if (std::sscanf(line.c_str(), "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &path) < 2 || path < 0) continue;
    if (a >= lo && a < hi && line[size_t(path)] == '/') return line.substr(size_t(path));
  }
  return "";
}

std::string cxxAbiRefusal(int built, const std::string& path) {
  int lib = libraryCxxAbi(path);
  if (built < 0 || lib < 0 || lib == built) return "";
  return "the loaded libatb.so (" + path + ") is ATB's cxx_abi_" + std::to_string(lib) +
         " build (_GLIBCXX_USE_CXX11_ABI=" + std::to_string(lib) +
         ") but this native library was built with _GLIBCXX_USE_CXX11_ABI=" + std::to_string(built) +
         ": run `source /usr/local/Ascend/nnal/atb/set_env.sh --cxx_abi=" + std::to_string(built) +
         "` (or rebuild with -Pascend after sourcing it with --cxx_abi=" + std::to_string(lib) + ")";
}

std::string atbLibrary() { return loadedLibrary(reinterpret_cast<const void*>(&atb::DestroyContext)); }

}  // namespace tna

extern "C" const char* tna_cxx_abi_refusal(const char* library_path) {
  if (library_path == nullptr) {  // the loaded libatb.so: read once per process
    static const std::string loaded = tna::cxxAbiRefusal(tna::builtCxxAbi(), tna::atbLibrary());
    return loaded.c_str();
  }
  static thread_local std::string why;
  why = tna::cxxAbiRefusal(tna::builtCxxAbi(), library_path);
  return why.c_str();
}
