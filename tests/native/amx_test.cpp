// The AMX kernels (native/cpu/kernels_amx.cpp) against plain references: the bf16-mode panel
// product within f32 rounding of a double sum, the int8 panel product bit for bit, for every row
// count around the 16-row tiles (1..100: two-group blocks, a lone group, a tail under its own
// tile shape), k around the 32-pair / 64-byte chunks (a partial last chunk, odd k for bf16, k % 4
// == 2 for int8), one to three panels (the pair and the lone one), padded strides, and rows that
// lie anywhere (the MoE's gathered tokens).  Exits non-zero on the first mismatch.
// run.sh builds it twice: over the scalar model of the tile instructions (amx_model.h, which also
// checks its own rules here: TDPBF16PS's pairwise sums, TDPBSSD's wrapping), on every CPU; and
// over the real instructions (-DTN_AMX_REAL), which runs only where the CPU has AMX and Linux grants
// the tiles, and says so either way.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <vector>

#include "bf16_panel_check.h"
#include "kernels.h"
#include "tramontane_cpu.h"
#ifndef TN_AMX_REAL
#include "amx_model.h"
#endif

namespace {

tn_test::XorShift rng{0x6a09e667f3bcc909ull};

bool check_i8(int m, int k, int np) {
  const size_t n = (size_t)np * 16, ldo = n + 3;
  std::vector<int8_t> w(n * k), wp;
  for (int8_t& v : w) v = (int8_t)rng.next_int(-128, 127);
  wp = w;
  if (tn_pack_panels(wp.data(), TN_I8, 1, (int64_t)n, k) != TN_OK) return false;
  // rows in one buffer in reverse order with a gap, handed over as pointers (as the MoE gathers)
  const size_t ldx = (size_t)k + 7;
  std::vector<int16_t> xs((size_t)m * ldx, 0x5a5a);
  std::vector<const int16_t*> rows(m);
  for (int t = 0; t < m; t++) {
    int16_t* row = xs.data() + (size_t)(m - 1 - t) * ldx;
    for (int i = 0; i < k; i++) row[i] = (int16_t)rng.next_int(-127, 127);  // quantized activations, widened
    rows[t] = row;
  }
  std::vector<int32_t> out((size_t)m * ldo, 0x5a5a5a5a);
  tn::panel_i8_amx(rows.data(), m, wp.data(), k, np, out.data(), ldo);
  for (int t = 0; t < m; t++)
    for (size_t r = 0; r < ldo; r++) {
      int32_t want = 0x5a5a5a5a;
      if (r < n) {
        want = 0;
        for (int i = 0; i < k; i++) want += (int32_t)rows[t][i] * w[r * k + i];
      }
      if (out[(size_t)t * ldo + r] != want) {
        printf("FAIL i8 m=%d k=%d np=%d: out[%d][%zu] = %d, want %d\n", m, k, np, t, r, out[(size_t)t * ldo + r],
               want);
        return false;
      }
    }
  return true;
}

#ifndef TN_AMX_REAL
// The model's own rules, on 1 x 1 results: TDPBF16PS sums the even and the odd products of a row's
// pairs apart and adds the two to C (one chain over the products, as vdpbf16ps runs, would round
// 1 + 2^-24 back to 1 at every step); TDPBSSD wraps past the int32 range.
bool check_model_rules() {
  struct alignas(64) {
    uint8_t palette, start, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
  } cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  cfg.rows[0] = 1, cfg.colsb[0] = 4;  // C: 1 x 1
  cfg.rows[1] = 1, cfg.colsb[1] = 8;  // A: 1 x 2 pairs / quads
  cfg.rows[2] = 2, cfg.colsb[2] = 4;  // B: 2 x 1
  _tile_loadconfig(&cfg);
  const uint16_t one = 0x3f80, tiny = 0x3380;  // bf16 1 and 2^-24
  const uint16_t a[4] = {one, one, tiny, one};  // pairs (1, 1), (2^-24, 1)
  const uint16_t b[4] = {one, tiny, one, tiny};  // pairs (1, 2^-24), (1, 2^-24)
  _tile_loadd(1, a, 8);
  _tile_loadd(2, b, 4);
  _tile_zero(0);
  _tile_dpbf16ps(0, 1, 2);  // even: 1 + 2^-24 -> 1; odd: 2^-24 + 2^-24 = 2^-23; C = 1 + 2^-23
  float c;
  _tile_stored(0, &c, 4);
  if (c != 1.f + ldexpf(1.f, -23)) {
    printf("FAIL model: TDPBF16PS gave %.9g, want 1 + 2^-23\n", c);
    return false;
  }
  const int32_t big = 2147483647;
  const int8_t ai[8] = {1, 0, 0, 0, 0, 0, 0, 0}, bi[8] = {1, 0, 0, 0, 0, 0, 0, 0};
  _tile_loadd(0, &big, 4);
  _tile_loadd(1, ai, 8);
  _tile_loadd(2, bi, 4);
  _tile_dpbssd(0, 1, 2);
  int32_t ci;
  _tile_stored(0, &ci, 4);
  _tile_release();
  if (ci != (int32_t)0x80000000u) {
    printf("FAIL model: TDPBSSD gave %d past INT32_MAX, want a wrap to %d\n", ci, (int32_t)0x80000000u);
    return false;
  }
  return true;
}
#endif

}  // namespace

int main() {
#ifdef TN_AMX_REAL
  const char* where = "the CPU's AMX tiles";
  if (tn_amx_state() != TN_AMX_USABLE) {
    printf("AMX kernels not run on the CPU's tiles (tn_amx_state %d: %s); the tile-model run checks them\n",
           tn_amx_state(), tn_amx_state() == TN_AMX_ABSENT ? "no AMX" : "not granted by the OS");
    return 0;
  }
#else
  const char* where = "the tile-instruction model";
  if (!check_model_rules()) return 1;
#endif
  int cases = 0;
  for (int m : {1, 2, 3, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 100})
    for (int np : {1, 2, 3}) {
      for (int k : {1, 2, 3, 31, 32, 33, 64, 67, 1000}) {
        if (!tn_test::check_bf16_panel(tn::panel_bf16dp_amx, "bf16", rng, m, k, np)) return 1;
        cases++;
      }
      for (int k : {2, 4, 6, 62, 64, 66, 128, 130, 1000}) {
        if (!check_i8(m, k, np)) return 1;
        cases++;
      }
    }
  // the peak loops' tile shapes (the model traps on a bad one); their count of operations
  if (tn::amx_bf16_peak_loop(2) != 2 * 4 * 16 * 16 * 32 * 2.0 ||
      tn::amx_int8_peak_loop(2) != 2 * 4 * 16 * 16 * 64 * 2.0) {
    printf("FAIL: peak loops count operations wrongly\n");
    return 1;
  }
  printf("panel_bf16dp_amx, panel_i8_amx on %s: %d cases ok\n", where, cases);
  return 0;
}
