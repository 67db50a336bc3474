// The AVX512-BF16 panel kernel (native/cpu/kernels_avx512bf16.cpp) on a scalar model of its
// intrinsics (avx512_model.h), against a plain double reference: every tile height 1..12 and the
// 12 + rest groups, odd and even k (the unpaired last column), one to three panels (the pair and
// the odd one), row strides past the row length.  Exits non-zero on the first mismatch.
// Built and run by run.sh (mvn verify's test phase), so the kernel is checked on CPUs without
// AVX512-BF16 too; on CPUs with it, the Java kernel tests run it for real.
#include <stdio.h>

#include "bf16_panel_check.h"
#include "kernels.h"
#include "tramontane_cpu.h"

int main() {
  tn_test::XorShift rng{0x9e3779b97f4a7c15ull};
  int cases = 0;
  for (int m : {1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 23, 24, 25, 37})
    for (int k : {1, 2, 3, 15, 16, 33, 64, 67, 1000})
      for (int np : {1, 2, 3}) {
        if (!tn_test::check_bf16_panel(tn::panel_bf16dp_avx512, "panel_bf16dp_avx512", rng, m, k, np)) return 1;
        cases++;
      }
  printf("panel_bf16dp_avx512 on the intrinsics model: %d cases ok\n", cases);
  return 0;
}
