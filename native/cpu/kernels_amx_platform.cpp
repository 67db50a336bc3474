// The AMX level at run time: whether the CPU has the tiles and the OS lets this process use them,
// and the level's dispatch table (the AVX-512 table with the AMX products in its bf16-mode and
// int8 panel slots).  Baseline flags: nothing here executes an AMX or AVX-512 instruction.
//
// Linux keeps the tile data (8 KiB of register state) out of a process's signal frames and
// context switches until the process asks for it: arch_prctl(ARCH_REQ_XCOMP_PERM,
// XFEATURE_XTILEDATA) grants it to the whole process (every thread, existing or later), and a
// thread that touches the tiles without it dies of SIGILL.  The request is made once, from the
// first call that asks which level the CPU runs (dispatch.cpp), which comes before any kernel can
// run on any thread; when the kernel refuses (or predates the call), the level is not offered and
// the AVX-512 table runs.
#include "kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace tn {

#if defined(__x86_64__)
namespace {

// <asm/prctl.h> and the xstate component number, for C libraries whose headers predate them.
constexpr int kArchGetXcompPerm = 0x1022;
constexpr int kArchReqXcompPerm = 0x1023;
constexpr int kXfeatureXtiledata = 18;

// CPUID.(7,0):EDX AMX-BF16 (22), AMX-TILE (24), AMX-INT8 (25); palette 1 (leaf 0x1D) at least 8
// tiles of 16 rows x 64 bytes, the shape the kernels configure.
bool cpu_has_tiles() {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  if (!((d >> 22) & 1) || !((d >> 24) & 1) || !((d >> 25) & 1)) return false;
  if (__get_cpuid_max(0, nullptr) < 0x1d) return false;
  __cpuid_count(0x1d, 1, a, b, c, d);
  const unsigned bytes_per_row = b & 0xffff, max_names = b >> 16, max_rows = c & 0xffff;
  return bytes_per_row >= 64 && max_names >= 8 && max_rows >= 16;
}

// XCR0 bits 17 (XTILECFG) and 18 (XTILEDATA): the OS saves and restores the tile state.
bool os_saves_tiles() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !((c >> 27) & 1)) return false;  // OSXSAVE: XGETBV usable
  unsigned lo, hi;
  __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((lo >> 17) & 3) == 3;
}

bool linux_grants_tiles() {
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) return false;
  unsigned long granted = 0;
  if (syscall(SYS_arch_prctl, kArchGetXcompPerm, &granted) != 0) return false;
  return ((granted >> kXfeatureXtiledata) & 1) != 0;
}

int detect_amx() {
  __builtin_cpu_init();
  // the level is AVX-512 plus the tiles: its fallbacks below the row thresholds are AVX512-BF16's
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") || !has_avx512_bf16() ||
      !cpu_has_tiles())
    return TN_AMX_ABSENT;
  if (!os_saves_tiles()) return TN_AMX_OS_DISABLED;
  if (!linux_grants_tiles()) return TN_AMX_REFUSED;
  return TN_AMX_USABLE;
}

// Activation rows from which the AMX tiles take a product: 16 fill a tile's rows (fewer leave
// its rows idle while the B tiles still cost a rearrangement per call); W8A8 from 4, where one
// TDPBSSD already does the work of 64 vpdpwssd (decisions.md: amx-min-rows).
constexpr int kAmxBf16MinRows = 16;
constexpr int kAmxI8MinRows = 4;

void panel_bf16dp_amx_from_rows(const uint32_t* xb, int ldxb, int m, const void* w, int k, int np, float* out,
                                int ldo) {
  if (m >= kAmxBf16MinRows) panel_bf16dp_amx(xb, ldxb, m, w, k, np, out, ldo);
  else panel_bf16dp_avx512(xb, ldxb, m, w, k, np, out, ldo);
}

void panel_i8_amx_from_rows(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out,
                            size_t ldo) {
  if (m >= kAmxI8MinRows) panel_i8_amx(x, m, panels, k, np, out, ldo);
  else kAvx512I8Kernels.panel_i8(x, m, panels, k, np, out, ldo);
}

const I8Kernels& amx_i8_kernels() {
  static const I8Kernels k = [] {
    I8Kernels t = kAvx512I8Kernels;
    t.panel_i8 = panel_i8_amx_from_rows;
    return t;
  }();
  return k;
}

}  // namespace

int amx_state() {
  static const int s = detect_amx();
  return s;
}

const Kernels& amx_kernels() {
  static const Kernels k = [] {
    Kernels t = kAvx512Kernels;
    t.isa_name = "amx";
    t.panel_bf16dp = panel_bf16dp_amx_from_rows;
    t.i8 = &amx_i8_kernels();
    return t;
  }();
  return k;
}

PeakLoopFn amx_peak(int kind) {
  if (amx_state() != TN_AMX_USABLE || tn_isa_active() != TN_ISA_AMX) return nullptr;
  if (kind == TN_PEAK_AMX_BF16) return amx_bf16_peak_loop;
  if (kind == TN_PEAK_AMX_INT8) return amx_int8_peak_loop;
  return nullptr;
}
#else
int amx_state() { return TN_AMX_ABSENT; }
PeakLoopFn amx_peak(int) { return nullptr; }
#endif

}  // namespace tn

extern "C" int tn_amx_state(void) { return tn::amx_state(); }
