// Runtime ISA dispatch: the one place that asks the CPU what it has.  The whole library is
// built for the architecture's baseline (x86-64, Armv8.0-A); only the ISA files carry wider flags
// and run only when the CPU reports the features (one jar for every x86-64 and every aarch64).
// x86-64 asks cpuid (__builtin_cpu_supports); aarch64 asks the kernel's HWCAP words, the Arm
// way for user space (the ID registers are the kernel's to read).
#include "kernels.h"

#if defined(__aarch64__)
#include <sys/auxv.h>
// The bits as <asm/hwcap.h> names them, for C libraries whose headers predate them.
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1UL << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1UL << 13)
#endif
#ifndef HWCAP2_BF16
#define HWCAP2_BF16 (1UL << 14)
#endif
#endif

namespace tn {
namespace {

#if defined(__x86_64__) || defined(__i386__)
constexpr int kArchLevels[] = {TN_ISA_AVX2, TN_ISA_AVX512, TN_ISA_AMX};
#elif defined(__aarch64__)
constexpr int kArchLevels[] = {TN_ISA_NEON};
#else
constexpr int kArchLevels[] = {TN_ISA_SCALAR};
#endif

int detect() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c"))
    return amx_state() == TN_AMX_USABLE ? TN_ISA_AMX : TN_ISA_AVX512;  // (asks Linux for the tiles)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c"))
    return TN_ISA_AVX2;
#elif defined(__aarch64__)
  if (getauxval(AT_HWCAP) & HWCAP_ASIMD) return TN_ISA_NEON;
#endif
  return TN_ISA_SCALAR;
}

const Kernels* table_for(int level) {
#if defined(__x86_64__) || defined(__i386__)
  if (level == TN_ISA_AMX) return &amx_kernels();
  if (level == TN_ISA_AVX512) return &kAvx512Kernels;
  if (level == TN_ISA_AVX2) return &kAvx2Kernels;
#elif defined(__aarch64__)
  if (level == TN_ISA_NEON) return &kNeonKernels;
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

// Scalar, or a level of this architecture at or below the highest the CPU runs (the levels of
// one architecture are numbered in order).
bool runs(int level) {
  if (level == TN_ISA_SCALAR) return true;
  for (int l : kArchLevels)
    if (l == level) return level <= supported();
  return false;
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
bool has_bf16_dot() { return has_avx512_bf16(); }
PeakLoopFn bf16_dot_peak() { return has_bf16_dot() ? bf16_dot_peak_loop : nullptr; }
#else
bool has_avx512_bf16() { return false; }
bool has_avx512_vnni() { return false; }
bool has_avx_vnni() { return false; }
double vnni_peak_loop(long) { return 0; }
double avxvnni_peak_loop(long) { return 0; }
#endif

#if defined(__aarch64__)
bool has_neon_dot() {
  static bool b = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
  return b;
}
bool has_neon_bf16() {
  static bool b = (getauxval(AT_HWCAP2) & HWCAP2_BF16) != 0;
  return b;
}
bool has_neon_i8mm() {
  static bool b = (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0;
  return b;
}
bool has_bf16_dot() { return has_neon_bf16(); }
PeakLoopFn bf16_dot_peak() { return has_bf16_dot() ? bfdot_peak_loop : nullptr; }
#else
bool has_neon_dot() { return false; }
bool has_neon_bf16() { return false; }
bool has_neon_i8mm() { return false; }
#endif

#if !defined(__x86_64__) && !defined(__i386__) && !defined(__aarch64__)
bool has_bf16_dot() { return false; }
PeakLoopFn bf16_dot_peak() { return nullptr; }
#endif

}  // namespace tn

extern "C" {
int tn_isa_supported(void) { return tn::supported(); }
int tn_isa_active(void) { return tn::active_level(); }
int tn_set_isa(int level) {
  if (!tn::runs(level)) return TN_E_ARG;
  tn::active_level() = level;
  return level;
}
}
