// A scalar model of the AMX tile instructions native/cpu/kernels_amx.cpp uses (LDTILECFG,
// TILELOADD, TILESTORED, TILEZERO, TILERELEASE, TDPBF16PS, TDPBSSD), after the Intel SDM's
// pseudocode, so those kernels run (and are tested) on any x86-64 CPU: tests/native/run.sh
// compiles kernels_amx.cpp with -DTN_AMX_MODEL='"amx_model.h"'.  The AVX-512 intrinsics the file
// uses to lay out its tiles come from avx512_model.h.  Where the SDM raises #GP or #UD (a config
// with reserved bits set or rows / bytes past palette 1's limits, a tile used before it is
// configured, shapes that do not chain, the same tile named twice) the model traps, so a shape
// mistake in a kernel fails its test here as it would fault on the CPU.  Test-only.
#ifndef TN_AMX_MODEL_H
#define TN_AMX_MODEL_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "avx512_model.h"

// Palette 1 (the only one the SDM defines): 8 tiles of at most 16 rows x 64 bytes.
struct TnModelTile {
  uint8_t row[16][64];
  int rows, colsb;
};
struct TnModelTiles {
  int palette;  // 0: init state (no tile usable)
  TnModelTile t[8];
};
static thread_local TnModelTiles tn_model_tiles;

static inline TnModelTile& tn_model_tile(int i) {
  if (tn_model_tiles.palette != 1 || i < 0 || i > 7 || tn_model_tiles.t[i].rows == 0) __builtin_trap();  // #UD
  return tn_model_tiles.t[i];
}
static inline void tn_model_zero_all() {
  for (TnModelTile& t : tn_model_tiles.t) memset(t.row, 0, sizeof t.row);
}

// LDTILECFG: byte 0 palette, byte 1 start_row, 2-15 reserved, 16-47 colsb of tiles 0-15 (16 bits
// each), 48-63 rows of tiles 0-15.  Palette 0 returns to the init state; palette 1 takes tiles
// 0-7 (8-15 must be 0), rows <= 16, colsb <= 64, and a tile is either unused (both 0) or both
// non-zero.  Every tile's data is zeroed.
static inline void _tile_loadconfig(const void* config) {
  uint8_t c[64];
  memcpy(c, config, 64);
  for (int i = 1; i < 16; i++)
    if (c[i]) __builtin_trap();  // start_row 0 and reserved bytes 0 (#GP)
  if (c[0] > 1) __builtin_trap();
  tn_model_zero_all();
  tn_model_tiles.palette = c[0];
  for (int i = 0; i < 16; i++) {
    const int colsb = c[16 + 2 * i] | c[17 + 2 * i] << 8, rows = c[48 + i];
    if (c[0] == 0) {
      if (colsb || rows) __builtin_trap();
      continue;
    }
    if (i >= 8 && (colsb || rows)) __builtin_trap();
    if (rows > 16 || colsb > 64 || (rows == 0) != (colsb == 0)) __builtin_trap();
    if (i < 8) {
      tn_model_tiles.t[i].rows = rows;
      tn_model_tiles.t[i].colsb = colsb;
    }
  }
  if (c[0] == 0)
    for (TnModelTile& t : tn_model_tiles.t) t.rows = t.colsb = 0;
}
static inline void _tile_release() {
  tn_model_zero_all();
  tn_model_tiles.palette = 0;
  for (TnModelTile& t : tn_model_tiles.t) t.rows = t.colsb = 0;
}
static inline void _tile_zero(int i) { memset(tn_model_tile(i).row, 0, sizeof tn_model_tiles.t[i].row); }
// TILELOADD: rows [0, rows) take colsb bytes each from base + r * stride; the rest of the tile is 0.
static inline void _tile_loadd(int i, const void* base, long stride) {
  TnModelTile& t = tn_model_tile(i);
  memset(t.row, 0, sizeof t.row);
  for (int r = 0; r < t.rows; r++) memcpy(t.row[r], (const uint8_t*)base + (long)r * stride, (size_t)t.colsb);
}
// TILESTORED: rows [0, rows), colsb bytes each, to base + r * stride (nothing else is written).
static inline void _tile_stored(int i, void* base, long stride) {
  TnModelTile& t = tn_model_tile(i);
  for (int r = 0; r < t.rows; r++) memcpy((uint8_t*)base + (long)r * stride, t.row[r], (size_t)t.colsb);
}

// The shape checks both products make: C [M x N dwords] += A [M x K dwords] . B [K x N dwords],
// three distinct tiles (#UD otherwise).
static inline void tn_model_check_shapes(int c, int a, int b) {
  if (c == a || c == b || a == b) __builtin_trap();
  const TnModelTile &tc = tn_model_tile(c), &ta = tn_model_tile(a), &tb = tn_model_tile(b);
  if (tc.rows != ta.rows || ta.colsb / 4 != tb.rows || tc.colsb != tb.colsb || tc.colsb % 4 || ta.colsb % 4)
    __builtin_trap();
}

// TDPBF16PS: per row m and column n, two f32 sums from 0, one over the even and one over the odd
// bf16 products of the K pairs (FMA, round to nearest even, bf16 inputs and f32 outputs
// denormals-are-zero / flush-to-zero), then C += (even + odd).  Summed in this order, the result
// differs from one chain over the products in f32 rounding only.
static inline void _tile_dpbf16ps(int c, int a, int b) {
  tn_model_check_shapes(c, a, b);
  TnModelTile &tc = tn_model_tile(c), &ta = tn_model_tile(a), &tb = tn_model_tile(b);
  const int K = ta.colsb / 4, N = tc.colsb / 4;
  for (int m = 0; m < tc.rows; m++) {
    float cr[16];
    memcpy(cr, tc.row[m], 64);
    for (int n = 0; n < N; n++) {
      float even = 0.f, odd = 0.f;
      for (int k = 0; k < K; k++) {
        uint16_t a2[2], b2[2];
        memcpy(a2, ta.row[m] + 4 * k, 4);
        memcpy(b2, tb.row[k] + 4 * n, 4);
        even = tn_model_ftz(fmaf(tn_model_bf16(a2[0]), tn_model_bf16(b2[0]), even));
        odd = tn_model_ftz(fmaf(tn_model_bf16(a2[1]), tn_model_bf16(b2[1]), odd));
      }
      cr[n] = tn_model_ftz(tn_model_ftz(cr[n]) + tn_model_ftz(even + odd));
    }
    memcpy(tc.row[m], cr, (size_t)tc.colsb);
  }
}

// TDPBSSD: C.dword[m][n] + the four signed byte products of A.dword[m][k] and B.dword[k][n], for
// each k in order, in 32 bits: the SDM's DPBD adds without saturation, so a sum past the int32
// range wraps (unlike VPDPBUSDS).
static inline void _tile_dpbssd(int c, int a, int b) {
  tn_model_check_shapes(c, a, b);
  TnModelTile &tc = tn_model_tile(c), &ta = tn_model_tile(a), &tb = tn_model_tile(b);
  const int K = ta.colsb / 4, N = tc.colsb / 4;
  for (int m = 0; m < tc.rows; m++)
    for (int n = 0; n < N; n++) {
      int32_t acc;
      memcpy(&acc, tc.row[m] + 4 * n, 4);
      uint32_t u = (uint32_t)acc;
      for (int k = 0; k < K; k++)
        for (int i = 0; i < 4; i++)
          u += (uint32_t)((int32_t)(int8_t)ta.row[m][4 * k + i] * (int32_t)(int8_t)tb.row[k][4 * n + i]);
      acc = (int32_t)u;
      memcpy(tc.row[m] + 4 * n, &acc, 4);
    }
}

#endif
