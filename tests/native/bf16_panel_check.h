// The check shared by the bf16-pair panel kernels' tests (panel_bf16dp_test, amx_test): random bf16
// weights packed into panels and bf16 activations packed in pairs, the kernel's f32 output against
// a double sum of the exact products, and nothing written past the n columns of a row.
#pragma once

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <vector>

#include "tramontane_cpu.h"

namespace tn_test {

// xorshift64: the same cases on every run and every machine
struct XorShift {
  uint64_t s;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  int next_int(int lo, int hi) { return lo + (int)((next() >> 33) % (uint64_t)(hi - lo + 1)); }
  float uniform_bf16() {  // in [-2, 2), a bf16 value
    float f = (float)((next() >> 40) & 0xffff) / 16384.0f - 2.0f;
    uint32_t u;
    memcpy(&u, &f, 4);
    u &= 0xffff0000u;
    memcpy(&f, &u, 4);
    return f;
  }
};

inline uint16_t bf16_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return (uint16_t)(u >> 16);
}

// kernel(xb, ldxb, m, panels, k, np, out, ldo): m rows of k bf16 values in (k + 1) / 2 pairs per row
// (stride ldxb words) times np panels of 16 packed weight rows, into m x 16np floats (stride ldo)
template <class Kernel>
bool check_bf16_panel(Kernel kernel, const char* name, XorShift& rng, int m, int k, int np) {
  const int n = np * 16, ldo = n + 5, kp = (k + 1) / 2, ldxb = kp + 3;
  std::vector<float> w((size_t)n * k), x((size_t)m * k);
  for (float& v : w) v = rng.uniform_bf16();
  for (float& v : x) v = rng.uniform_bf16();
  std::vector<uint16_t> wp((size_t)n * k);
  for (size_t i = 0; i < wp.size(); i++) wp[i] = bf16_bits(w[i]);
  if (tn_pack_panels(wp.data(), TN_BF16, 1, n, k) != TN_OK) return false;
  std::vector<uint32_t> xb((size_t)m * ldxb, 0x7fc07fc0u);  // NaN pairs past kp: a read shows in the result
  for (int t = 0; t < m; t++)
    for (int q = 0; q < kp; q++) {
      const uint32_t lo = bf16_bits(x[(size_t)t * k + 2 * q]);
      const uint32_t hi = 2 * q + 1 < k ? bf16_bits(x[(size_t)t * k + 2 * q + 1]) : 0;
      xb[(size_t)t * ldxb + q] = lo | hi << 16;
    }
  const float sentinel = -12345.f;
  std::vector<float> out((size_t)m * ldo, sentinel);
  kernel(xb.data(), ldxb, m, wp.data(), k, np, out.data(), ldo);
  for (int t = 0; t < m; t++)
    for (int r = 0; r < ldo; r++) {
      const float got = out[(size_t)t * ldo + r];
      if (r >= n) {
        if (got != sentinel) {
          printf("FAIL %s m=%d k=%d np=%d: wrote past row %d at column %d\n", name, m, k, np, t, r);
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
      // f32 sums of exact products: at most k + 1 roundings, each within half an ulp of the magnitude sum
      if (!(fabs(got - want) <= (k + 1) * 1.2e-7 * mag + 1e-30)) {
        printf("FAIL %s m=%d k=%d np=%d: out[%d][%d] = %.9g, want %.9g\n", name, m, k, np, t, r, got, want);
        return false;
      }
    }
  return true;
}

}  // namespace tn_test
