// The AVX512-BF16 panel kernel (native/cpu/kernels_avx512bf16.cpp) on a scalar model of its
// intrinsics (avx512_model.h), against a plain double reference: every tile height 1..12 and the
// 12 + rest groups, odd and even k (the unpaired last column), one to three panels (the pair and
// the odd one), row strides past the row length.  Exits non-zero on the first mismatch.
// Built and run by run.sh (mvn verify's test phase), so the kernel is checked on CPUs without
// AVX512-BF16 too; on CPUs with it, the Java kernel tests run it for real.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <vector>

#include "kernels.h"
#include "tramontane_cpu.h"

namespace {

uint64_t rng = 0x9e3779b97f4a7c15ull;
float uniform() {  // in [-2, 2), a bf16 value
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  float f = (float)((rng >> 40) & 0xffff) / 16384.0f - 2.0f;
  uint32_t u;
  memcpy(&u, &f, 4);
  u &= 0xffff0000u;
  memcpy(&f, &u, 4);
  return f;
}
uint16_t bits16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return (uint16_t)(u >> 16);
}

bool check(int m, int k, int np) {
  const int n = np * 16, ldo = n + 5, kp = (k + 1) / 2, ldxb = kp + 3;
  std::vector<float> w((size_t)n * k), x((size_t)m * k);
  for (float& v : w) v = uniform();
  for (float& v : x) v = uniform();
  std::vector<uint16_t> wp((size_t)n * k);
  for (size_t i = 0; i < wp.size(); i++) wp[i] = bits16(w[i]);
  if (tn_pack_panels(wp.data(), TN_BF16, 1, n, k) != TN_OK) return false;
  std::vector<uint32_t> xb((size_t)m * ldxb, 0xdeadbeefu);  // the kernel must not read past kp
  for (int t = 0; t < m; t++) {
    for (int q = 0; q < kp; q++) {
      uint32_t lo = bits16(x[(size_t)t * k + 2 * q]);
      uint32_t hi = 2 * q + 1 < k ? bits16(x[(size_t)t * k + 2 * q + 1]) : 0;
      xb[(size_t)t * ldxb + q] = lo | hi << 16;
    }
  }
  const float sentinel = -12345.f;
  std::vector<float> out((size_t)m * ldo, sentinel);
  tn::panel_bf16dp_avx512(xb.data(), ldxb, m, wp.data(), k, np, out.data(), ldo);
  for (int t = 0; t < m; t++) {
    for (int r = 0; r < ldo; r++) {
      const float got = out[(size_t)t * ldo + r];
      if (r >= n) {
        if (got != sentinel) {
          printf("FAIL m=%d k=%d np=%d: wrote past row %d at column %d\n", m, k, np, t, r);
          return false;
        }
        continue;
      }
      double want = 0, mag = 0;
      for (int i = 0; i < k; i++) {
        const double p = (double)x[(size_t)t * k + i] * w[(size_t)r * k + i];
        want += p;
        mag += fabs(p);
      }
      // f32 accumulation of k exact products: within k ulps of the magnitude sum
      if (fabs(got - want) > (k + 1) * 1.2e-7 * mag + 1e-30) {
        printf("FAIL m=%d k=%d np=%d: out[%d][%d] = %.9g, want %.9g\n", m, k, np, t, r, got, want);
        return false;
      }
    }
  }
  return true;
}

}  // namespace

int main() {
  int cases = 0;
  for (int m : {1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 23, 24, 25, 37})
    for (int k : {1, 2, 3, 15, 16, 33, 64, 67, 1000})
      for (int np : {1, 2, 3}) {
        if (!check(m, k, np)) return 1;
        cases++;
      }
  printf("panel_bf16dp_avx512 on the intrinsics model: %d cases ok\n", cases);
  return 0;
}
