// The AVX-512 zmm panel tiles (native/cpu/kernels_avx512_panel.cpp) on a scalar model of their
// intrinsics (avx512_model.h), for f32, f16 and bf16 panels: each output must equal, bit for bit,
// one fmaf chain over k in order (what the kernel computes per lane), for tile heights 1..37
// (12 + rest groups), k from 1 to 1000, one to three panels, a row stride past the row length.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <vector>

#include "kernels.h"
#include "tramontane_cpu.h"

namespace {

uint64_t rng = 0x853c49e6748fea9bull;
float uniform() {  // in [-2, 2)
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (float)((rng >> 40) & 0xffffff) / 4194304.0f - 2.0f;
}

typedef void (*Panel)(const float*, int, int, const void*, int, int, float*, int);

bool check(int dtype, Panel kernel, int m, int k, int np) {
  const int n = np * 16, ldo = n + 3, ldx = k + 2;
  const size_t eb = dtype == TN_F32 ? 4 : 2;
  std::vector<float> wf((size_t)n * k), x((size_t)m * ldx);
  for (float& v : wf) v = uniform();
  for (float& v : x) v = uniform();
  std::vector<unsigned char> wp((size_t)n * k * eb);
  tn_convert(wf.data(), TN_F32, wp.data(), dtype, wf.size());
  tn_convert(wp.data(), dtype, wf.data(), TN_F32, wf.size());  // the weights' exact values
  if (tn_pack_panels(wp.data(), dtype, 1, n, k) != TN_OK) return false;
  std::vector<float> out((size_t)m * ldo, -777.f);
  kernel(x.data(), ldx, m, wp.data(), k, np, out.data(), ldo);
  for (int t = 0; t < m; t++)
    for (int r = 0; r < ldo; r++) {
      float want = -777.f;
      if (r < n) {
        want = 0.f;
        for (int i = 0; i < k; i++) want = fmaf(x[(size_t)t * ldx + i], wf[(size_t)r * k + i], want);
      }
      const float got = out[(size_t)t * ldo + r];
      if (memcmp(&got, &want, 4) != 0) {
        printf("FAIL dtype %d m=%d k=%d np=%d: out[%d][%d] = %.9g, want %.9g\n", dtype, m, k, np, t, r, got, want);
        return false;
      }
    }
  return true;
}

}  // namespace

int main() {
  const struct {
    int dtype;
    Panel kernel;
  } kinds[] = {{TN_F32, tn::panel_avx512_zmm_f32}, {TN_F16, tn::panel_avx512_zmm_f16},
               {TN_BF16, tn::panel_avx512_zmm_bf16}};
  int cases = 0;
  for (const auto& kind : kinds)
    for (int m : {1, 2, 4, 5, 11, 12, 13, 25, 37})
      for (int k : {1, 2, 3, 16, 33, 64, 1000})
        for (int np : {1, 2, 3}) {
          if (!check(kind.dtype, kind.kernel, m, k, np)) return 1;
          cases++;
        }
  printf("panel_avx512_zmm_{f32,f16,bf16} on the intrinsics model: %d cases ok\n", cases);
  return 0;
}
