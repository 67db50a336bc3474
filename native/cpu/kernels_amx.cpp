// AMX bodies (Intel Advanced Matrix Extensions: TDPBF16PS, TDPBSSD on 8 tile registers of up to
// 16 rows x 64 bytes): the bf16-mode panel product and the W8A8 int8 panel product from the AMX
// level's row thresholds up (kernels_amx_platform.cpp), and the peak probes of `bench`.
// Compiled with the baseline flags like the portable files; only the functions below carry
// TN_AMX_TARGET, so the file links into the one library for every x86-64 CPU, and they run only
// once kernels_amx_platform.cpp has seen the tiles and Linux has granted their use.
//
// Both products read the panel layouts tn_pack_panels writes for every level (no second copy of
// the weights): per call, each panel is rearranged once into the tile layout B wants (one vpermw
// per 64 bytes, kept in per-thread scratch, about k * 32 bytes per panel of bf16 and k * 16 of
// int8), then every group of 16 activation rows runs over it.  Tiles 0-3 accumulate C [row group]
// [panel] (2 x 2 blocks of 16 x 16 results), 4-5 hold A (the row groups' activations), 6-7 B
// (the panels' weights).
#if defined(__x86_64__) || defined(TN_AMX_MODEL)  // (the model builds on any host)
#ifdef TN_AMX_MODEL
#include TN_AMX_MODEL  // tests/native: this file's code over a scalar model of the tile instructions
#define TN_AMX_TARGET
#else
#include <immintrin.h>
#define TN_AMX_TARGET __attribute__((target("avx512f,avx512bw,amx-tile,amx-bf16,amx-int8")))
#endif
#include <string.h>

#include "kernels.h"
#include "scratch.h"

namespace tn {
namespace {

constexpr int kTileRows = 16;                           // rows of a full tile (palette 1)
constexpr int kTileBytes = 64;                          // bytes of a tile row
constexpr size_t kChunkBytes = kTileRows * kTileBytes;  // one B tile: 16 rows of K

// LDTILECFG's operand (palette 1): tiles 0-5 (C and A) take `rows` rows, tiles 6-7 (B) 16, all
// 64 bytes wide.
struct alignas(64) TileConfig {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};
static_assert(sizeof(TileConfig) == 64, "LDTILECFG reads 64 bytes");

// The configurations for rows = 1..16, constant data: _tile_loadconfig's asm declares a read of
// its operand's first 8 bytes only, so the compiler could drop stores to the rest of a config
// built on the stack.
struct TileConfigs {
  TileConfig by_rows[kTileRows + 1];
};
constexpr TileConfigs make_tile_configs() {
  TileConfigs cs{};
  for (int rows = 1; rows <= kTileRows; rows++) {
    TileConfig& c = cs.by_rows[rows];
    c.palette_id = 1;
    for (int t = 0; t < 8; t++) {
      c.colsb[t] = kTileBytes;
      c.rows[t] = (uint8_t)(t < 6 ? rows : kTileRows);
    }
  }
  return cs;
}
constexpr TileConfigs kTileConfigs = make_tile_configs();
inline const TileConfig* tile_config(int rows) { return &kTileConfigs.by_rows[rows]; }

// The tile instructions take no memory operand the compiler can see: stores to a buffer the tiles
// then load (the rearranged panels, the gathered rows) must not move past them.
inline void compiler_fence() { __asm__ __volatile__("" ::: "memory"); }

// One block: G row groups (16 rows, or the configured tail rows) x S panels, over nchunks K chunks.
// Chunk c < nfull of group g's rows is read in place at a + g * 16 * lda + c * 64; the last chunk,
// when c >= nfull, from atail (its 16 rows 64 bytes apart, zero past K).  b: panel s's tile rows at
// b + s * bstride + c * kChunkBytes.  out: C's rows ldo bytes apart.
#define TN_AMX_DP(c, a, b)     \
  do {                         \
    if (I8)                    \
      _tile_dpbssd(c, a, b);   \
    else                       \
      _tile_dpbf16ps(c, a, b); \
  } while (0)

template <bool I8, int G, int S>
TN_AMX_TARGET void tile_block(const uint8_t* a, size_t lda, int nfull, const uint8_t* atail, const uint8_t* b,
                              size_t bstride, int nchunks, uint8_t* out, size_t ldo) {
  compiler_fence();
  _tile_zero(0);
  if (S == 2) _tile_zero(1);
  if (G == 2) {
    _tile_zero(2);
    if (S == 2) _tile_zero(3);
  }
  for (int c = 0; c < nchunks; c++) {
    const uint8_t* ac = c < nfull ? a + (size_t)c * kTileBytes : atail;
    const size_t as = c < nfull ? lda : kTileBytes;
    _tile_loadd(4, ac, as);
    if (G == 2) _tile_loadd(5, ac + kTileRows * as, as);
    _tile_loadd(6, b + c * kChunkBytes, kTileBytes);
    if (S == 2) _tile_loadd(7, b + bstride + c * kChunkBytes, kTileBytes);
    TN_AMX_DP(0, 4, 6);
    if (S == 2) TN_AMX_DP(1, 4, 7);
    if (G == 2) {
      TN_AMX_DP(2, 5, 6);
      if (S == 2) TN_AMX_DP(3, 5, 7);
    }
  }
  _tile_stored(0, out, ldo);
  if (S == 2) _tile_stored(1, out + kTileBytes, ldo);
  if (G == 2) {
    _tile_stored(2, out + kTileRows * ldo, ldo);
    if (S == 2) _tile_stored(3, out + kTileRows * ldo + kTileBytes, ldo);
  }
}

// Groups of rows [0, m) of one panel pair (S panels): two full groups at a time, an odd full group
// alone, then the m % 16 last rows under their own tile shape (LDTILECFG zeroes the tiles, so it
// runs between blocks only).
template <bool I8, int S>
TN_AMX_TARGET void tile_rows(const uint8_t* a, size_t lda, int m, int nfull, const uint8_t* atail,
                             const uint8_t* b, size_t bstride, int nchunks, uint8_t* out, size_t ldo) {
  const int full = m / kTileRows * kTileRows, tail = m - full;
  if (full > 0) _tile_loadconfig(tile_config(kTileRows));
  int t = 0;
  for (; t + 2 * kTileRows <= full; t += 2 * kTileRows)
    tile_block<I8, 2, S>(a + t * lda, lda, nfull, atail + t * kTileBytes, b, bstride, nchunks, out + t * ldo, ldo);
  if (t < full) {
    tile_block<I8, 1, S>(a + t * lda, lda, nfull, atail + t * kTileBytes, b, bstride, nchunks, out + t * ldo, ldo);
    t += kTileRows;
  }
  if (tail > 0) {
    _tile_loadconfig(tile_config(tail));
    tile_block<I8, 1, S>(a + t * lda, lda, nfull, atail + t * kTileBytes, b, bstride, nchunks, out + t * ldo, ldo);
  }
}

// vpermw indices that make one B tile row from 64 bytes of a panel: the 16 dwords of output rows
// 0-15, each the pair (lo[r], hi[r]) of 16-bit words where lo / hi index the first / second 32
// bytes.  bf16: the two columns 2q, 2q + 1 (words in panel_pos order) give row r's pair along k;
// int8: the two column pairs 4q..4q+1 and 4q+2..4q+3 (panel_i8_pos) give row r's four bytes.
TN_AMX_TARGET __m512i pair_words(bool bf16) {
  alignas(64) uint16_t idx[32];
  for (int r = 0; r < kPanelRows; r++) {
    const int lo = bf16 ? panel_pos(TN_BF16, r) : r;
    idx[2 * r] = (uint16_t)lo;
    idx[2 * r + 1] = (uint16_t)(kPanelRows + lo);
  }
  return _mm512_load_si512(idx);
}

// One panel (k columns; `steps` whole 64-byte steps of it, then `half` for the 32 bytes of a
// last lone column (bf16, odd k) or column pair (int8, k % 4 == 2)) as nchunks B tiles: tile row
// i of chunk c is step 16 c + i rearranged, rows past the panel's end zero.  The panel's only
// reader in this call: it streams past the caches (PanelFetch::kOnce).
TN_AMX_TARGET void panel_to_tiles(const uint8_t* p, int steps, bool half, __m512i idx, uint8_t* b, int nchunks) {
  int i = 0;
  for (; i < steps; i++) {
    const uint8_t* src = p + (size_t)i * kTileBytes;
    prefetch_panel(prefetch_addr(src, kPanelPrefetchBytes), PanelFetch::kOnce);
    _mm512_storeu_si512(b + (size_t)i * kTileBytes, _mm512_permutexvar_epi16(idx, _mm512_loadu_si512(src)));
  }
  if (half) {
    const __m256i last = _mm256_loadu_si256((const __m256i*)(p + (size_t)i * kTileBytes));
    _mm512_storeu_si512(b + (size_t)i * kTileBytes, _mm512_permutexvar_epi16(idx, _mm512_zextsi256_si512(last)));
    i++;
  }
  memset(b + (size_t)i * kTileBytes, 0, (size_t)nchunks * kChunkBytes - (size_t)i * kTileBytes);
}

// Panels [0, np) two at a time: each pair rearranged into b (two panels' tiles, bstride apart),
// then every row group run over it.
template <bool I8>
TN_AMX_TARGET void tile_panels(const uint8_t* a, size_t lda, int m, int nfull, const uint8_t* atail,
                               const uint8_t* panels, size_t panel_bytes, int steps, bool half, int np, int nchunks,
                               uint8_t* b, uint8_t* out, size_t ldo) {
  const __m512i idx = pair_words(!I8);
  const size_t bstride = (size_t)nchunks * kChunkBytes;
  for (int p = 0; p < np; p += 2) {
    const int s = np - p >= 2 ? 2 : 1;
    for (int j = 0; j < s; j++)
      panel_to_tiles(panels + (p + j) * panel_bytes, steps, half, idx, b + j * bstride, nchunks);
    uint8_t* o = out + (size_t)p * kPanelRows * 4;
    if (s == 2) tile_rows<I8, 2>(a, lda, m, nfull, atail, b, bstride, nchunks, o, ldo);
    else tile_rows<I8, 1>(a, lda, m, nfull, atail, b, bstride, nchunks, o, ldo);
  }
  _tile_release();
}

}  // namespace

// bf16: A is xb in place (a row's pairs are its dwords), 16 pairs per chunk; a last partial chunk
// is copied, zero-padded, into per-thread scratch.
TN_AMX_TARGET void panel_bf16dp_amx(const uint32_t* xb, int ldxb, int m, const void* w, int k, int np, float* out,
                                    int ldo) {
  const int kp = (k + 1) / 2, nfull = kp / kTileRows, nchunks = (kp + kTileRows - 1) / kTileRows;
  const int rest = kp - nfull * kTileRows;
  static thread_local AlignedBuf tail_buf, tiles_buf;
  uint8_t* atail = scratch<uint8_t>(tail_buf, (size_t)(m + kTileRows) * kTileBytes);
  uint8_t* b = scratch<uint8_t>(tiles_buf, 2 * (size_t)nchunks * kChunkBytes);
  if (!atail || !b) {  // no scratch: the AVX512-BF16 tiles need none
    panel_bf16dp_avx512(xb, ldxb, m, w, k, np, out, ldo);
    return;
  }
  if (rest > 0)
    for (int t = 0; t < m; t++) {
      uint8_t* row = atail + (size_t)t * kTileBytes;
      memcpy(row, xb + (size_t)t * ldxb + nfull * kTileRows, (size_t)rest * 4);
      memset(row + rest * 4, 0, (size_t)(kTileRows - rest) * 4);
    }
  tile_panels<false>((const uint8_t*)xb, (size_t)ldxb * 4, m, nfull, atail, (const uint8_t*)w,
                     (size_t)kPanelRows * k * 2, k / 2, (k & 1) != 0, np, nchunks, b, (uint8_t*)out,
                     (size_t)ldo * 4);
}

// int8: the int16-widened rows narrowed back (exact: |x| <= 127) into per-thread scratch, each
// row zero-padded to whole chunks of 64 columns (the rows may lie anywhere: the MoE's gathered
// tokens), so every chunk is read in place.
TN_AMX_TARGET void panel_i8_amx(const int16_t* const* x, int m, const int8_t* panels, int k, int np, int32_t* out,
                                size_t ldo) {
  const int nchunks = (k + kTileBytes - 1) / kTileBytes;
  const size_t lda = (size_t)nchunks * kTileBytes;
  static thread_local AlignedBuf rows_buf, tiles_buf;
  int8_t* a = scratch<int8_t>(rows_buf, (size_t)m * lda);
  uint8_t* b = scratch<uint8_t>(tiles_buf, 2 * (size_t)nchunks * kChunkBytes);
  if (!a || !b) {  // no scratch: the VNNI tiles need none
    panel_i8_avx512vnni(x, m, panels, k, np, out, ldo);
    return;
  }
  for (int t = 0; t < m; t++) {
    int8_t* row = a + (size_t)t * lda;
    for (int i = 0; i < k; i++) row[i] = (int8_t)x[t][i];
    memset(row + k, 0, lda - (size_t)k);
  }
  const uint8_t* rows = (const uint8_t*)a;  // every chunk whole: no partial-chunk copy (atail unread)
  tile_panels<true>(rows, lda, m, nchunks, rows, (const uint8_t*)panels, (size_t)kPanelRows * k, k / 4, (k & 2) != 0,
                    np, nchunks, b, (uint8_t*)out, ldo * 4);
}

// Peak loops: 4 independent accumulator tiles (enough to cover TDPBF16PS / TDPBSSD latency at one
// per 16 cycles), sources loaded once from a small buffer.
template <bool I8>
TN_AMX_TARGET double tile_peak(long iters) {
  alignas(64) uint8_t src[kChunkBytes];
  for (size_t i = 0; i < sizeof src; i += 2) {
    src[i] = I8 ? 1 : 0x80;  // int8 1, or bf16 0x3380 (~6e-8): sums stay small and finite
    src[i + 1] = I8 ? 2 : 0x33;
  }
  _tile_loadconfig(tile_config(kTileRows));
  compiler_fence();
  _tile_loadd(4, src, kTileBytes);
  _tile_loadd(5, src, kTileBytes);
  _tile_loadd(6, src, kTileBytes);
  _tile_loadd(7, src, kTileBytes);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (long it = 0; it < iters; it++) {
    TN_AMX_DP(0, 4, 6);
    TN_AMX_DP(1, 4, 7);
    TN_AMX_DP(2, 5, 6);
    TN_AMX_DP(3, 5, 7);
  }
  alignas(64) uint8_t sink[kChunkBytes];
  _tile_stored(0, sink, kTileBytes);
  _tile_release();
  volatile uint8_t keep = sink[0];
  (void)keep;
  // 16 x 16 results per instruction, each a dot product of 32 bf16 or 64 int8 pairs: 2 ops each
  return 4.0 * kTileRows * kTileRows * (I8 ? 64 : 32) * 2 * (double)iters;
}

double amx_bf16_peak_loop(long iters) { return tile_peak<false>(iters); }
double amx_int8_peak_loop(long iters) { return tile_peak<true>(iters); }

}  // namespace tn
#endif
