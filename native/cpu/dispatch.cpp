// Runtime ISA dispatch: the one place that asks the CPU what it has.  The whole library is
// built for baseline x86-64; only kernels_avx2.cpp / kernels_avx512.cpp carry wider flags and
// run only when the CPU reports the features (one jar for every x86-64).
#include "kernels.h"

namespace tn {
namespace {

int detect() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c"))
    return TN_ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c"))
    return TN_ISA_AVX2;
#endif
  return TN_ISA_SCALAR;
}

const Kernels* table_for(int level) {
#if defined(__x86_64__) || defined(__i386__)
  if (level == TN_ISA_AVX512) return &kAvx512Kernels;
  if (level == TN_ISA_AVX2) return &kAvx2Kernels;
#endif
  return &kScalarKernels;
}

int& supported() {
  static int s = detect();
  return s;
}
int& active_level() {
  static int a = supported();
  return a;
}

}  // namespace

const Kernels& kernels() { return *table_for(active_level()); }

#if defined(__x86_64__) || defined(__i386__)
bool has_avx512_bf16() {
  static bool b = (__builtin_cpu_init(), __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16"));
  return b;
}
bool has_avx512_vnni() {
  static bool b = (__builtin_cpu_init(), __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni"));
  return b;
}
bool has_avx_vnni() {
  static bool b = (__builtin_cpu_init(), __builtin_cpu_supports("avxvnni"));
  return b;
}
#else
bool has_avx512_bf16() { return false; }
bool has_avx512_vnni() { return false; }
bool has_avx_vnni() { return false; }
double bf16_dot_peak_loop(long) { return 0; }
double vnni_peak_loop(long) { return 0; }
double avxvnni_peak_loop(long) { return 0; }
#endif

}  // namespace tn

extern "C" {
int tn_isa_supported(void) { return tn::supported(); }
int tn_isa_active(void) { return tn::active_level(); }
int tn_set_isa(int level) {
  if (level < TN_ISA_SCALAR || level > tn::supported()) return TN_E_ARG;
  tn::active_level() = level;
  return level;
}
}
