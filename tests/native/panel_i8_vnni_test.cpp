// The AVX512-VNNI int8 panel kernel (native/cpu/kernels_i8_avx512vnni.cpp) on a scalar model of its
// intrinsics (avx512_model.h), against an exact integer reference: tile heights 1..37 (12 + rest
// groups), even k from 2 to 1000, one to three panels, full-range int8 weights and int16
// activations of the quantized range, a row stride past the row length.  Bit-exact or it fails.
#include <stdio.h>

#include <vector>

#include "kernels.h"
#include "tramontane_cpu.h"

namespace {

uint64_t rng = 0x2545f4914f6cdd1dull;
int next(int lo, int hi) {  // uniform in [lo, hi]
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return lo + (int)((rng >> 33) % (uint64_t)(hi - lo + 1));
}

bool check(int m, int k, int np) {
  const int n = np * 16, ldo = n + 3;
  std::vector<int8_t> w((size_t)n * k), wp;
  for (int8_t& v : w) v = (int8_t)next(-128, 127);
  wp = w;
  if (tn_pack_panels(wp.data(), TN_I8, 1, n, k) != TN_OK) return false;
  std::vector<std::vector<int16_t>> x(m, std::vector<int16_t>(k));
  std::vector<const int16_t*> rows(m);
  for (int t = 0; t < m; t++) {
    for (int16_t& v : x[t]) v = (int16_t)next(-127, 127);  // quantized activations, widened
    rows[t] = x[t].data();
  }
  std::vector<int32_t> out((size_t)m * ldo, 0x5a5a5a5a);
  tn::panel_i8_avx512vnni(rows.data(), m, wp.data(), k, np, out.data(), ldo);
  for (int t = 0; t < m; t++)
    for (int r = 0; r < ldo; r++) {
      int32_t want = 0x5a5a5a5a;
      if (r < n) {
        want = 0;
        for (int i = 0; i < k; i++) want += (int32_t)x[t][i] * w[(size_t)r * k + i];
      }
      if (out[(size_t)t * ldo + r] != want) {
        printf("FAIL m=%d k=%d np=%d: out[%d][%d] = %d, want %d\n", m, k, np, t, r, out[(size_t)t * ldo + r], want);
        return false;
      }
    }
  return true;
}

}  // namespace

int main() {
  int cases = 0;
  for (int m : {1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 23, 24, 25, 37})
    for (int k : {2, 4, 16, 34, 64, 1000})
      for (int np : {1, 2, 3}) {
        if (!check(m, k, np)) return 1;
        cases++;
      }
  printf("panel_i8_avx512vnni on the intrinsics model: %d cases ok\n", cases);
  return 0;
}
