// A scalar model of the AVX-512 intrinsics native/cpu/kernels_avx512bf16.cpp,
// kernels_avx512_panel.cpp and kernels_i8_avx512vnni.cpp use, after the Intel SDM's pseudocode,
// so those files' kernels run (and are tested) on any x86-64 CPU: tests/native/run.sh compiles
// them with -DTN_AVX512_MODEL='"avx512_model.h"'.  Test-only.
#ifndef TN_AVX512_MODEL_H
#define TN_AVX512_MODEL_H
#include <stdint.h>
#include <string.h>
#include <math.h>

typedef float __m512 __attribute__((vector_size(64)));
typedef long long __m512i __attribute__((vector_size(64)));
typedef long long __m256i __attribute__((vector_size(32)));
typedef short __m512bh __attribute__((vector_size(64)));

static inline __m512 _mm512_setzero_ps() {
  __m512 r;
  memset(&r, 0, sizeof r);
  return r;
}
static inline __m512 _mm512_add_ps(__m512 a, __m512 b) { return a + b; }
static inline float _mm512_reduce_add_ps(__m512 a) {
  float s = 0;
  for (int i = 0; i < 16; i++) s += a[i];
  return s;
}
static inline __m512i _mm512_set1_epi16(short v) {
  short w[32];
  for (int i = 0; i < 32; i++) w[i] = v;
  __m512i r;
  memcpy(&r, w, 64);
  return r;
}
static inline __m512i _mm512_set1_epi32(int v) {
  int d[16];
  for (int i = 0; i < 16; i++) d[i] = v;
  __m512i r;
  memcpy(&r, d, 64);
  return r;
}
static inline __m512i _mm512_load_si512(const void* p) {
  if ((uintptr_t)p % 64 != 0) __builtin_trap();  // the aligned load faults on real hardware
  __m512i r;
  memcpy(&r, p, 64);
  return r;
}
static inline __m512i _mm512_loadu_si512(const void* p) {
  __m512i r;
  memcpy(&r, p, 64);
  return r;
}
static inline __m256i _mm256_loadu_si256(const __m256i* p) {
  __m256i r;
  memcpy(&r, p, 32);
  return r;
}
static inline __m512i _mm512_zextsi256_si512(__m256i a) {
  unsigned char b[64] = {0};
  memcpy(b, &a, 32);
  __m512i r;
  memcpy(&r, b, 64);
  return r;
}
// vpermw: dst.word[i] = a.word[idx.word[i] & 31]
static inline __m512i _mm512_permutexvar_epi16(__m512i idx, __m512i a) {
  uint16_t ix[32], w[32], o[32];
  memcpy(ix, &idx, 64);
  memcpy(w, &a, 64);
  for (int i = 0; i < 32; i++) o[i] = w[ix[i] & 31];
  __m512i r;
  memcpy(&r, o, 64);
  return r;
}
// denormals as zero (vdpbf16ps: DAZ on its inputs, FTZ on its result)
static inline float tn_model_ftz(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7f800000u) == 0) u &= 0x80000000u;
  memcpy(&f, &u, 4);
  return f;
}
static inline float tn_model_bf16(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return tn_model_ftz(f);
}
// vdpbf16ps: dst.fp32[j] = src.fp32[j] + a.bf16[2j+1] * b.bf16[2j+1] + a.bf16[2j] * b.bf16[2j]
// (each bf16 x bf16 product exact in f32; round to nearest even)
static inline __m512 _mm512_dpbf16_ps(__m512 src, __m512bh a, __m512bh b) {
  uint16_t pa[32], pb[32];
  memcpy(pa, &a, 64);
  memcpy(pb, &b, 64);
  __m512 r;
  for (int j = 0; j < 16; j++) {
    float acc = tn_model_ftz(src[j]);
    acc = tn_model_ftz(acc + tn_model_bf16(pa[2 * j + 1]) * tn_model_bf16(pb[2 * j + 1]));
    acc = tn_model_ftz(acc + tn_model_bf16(pa[2 * j]) * tn_model_bf16(pb[2 * j]));
    r[j] = acc;
  }
  return r;
}
static inline void _mm512_storeu_ps(void* p, __m512 a) { memcpy(p, &a, 64); }

// --- kernels_i8_avx512vnni.cpp ---
static inline __m512i _mm512_setzero_si512() {
  __m512i r;
  memset(&r, 0, sizeof r);
  return r;
}
// vpmovsxbw: 32 int8 -> 32 int16, sign-extended
static inline __m512i _mm512_cvtepi8_epi16(__m256i a) {
  int8_t b[32];
  int16_t w[32];
  memcpy(b, &a, 32);
  for (int i = 0; i < 32; i++) w[i] = b[i];
  __m512i r;
  memcpy(&r, w, 64);
  return r;
}
// vpdpwssd: dst.dword[j] = src.dword[j] + a.word[2j] * b.word[2j] + a.word[2j+1] * b.word[2j+1]
// (signed, wrapping in 32 bits)
static inline __m512i _mm512_dpwssd_epi32(__m512i src, __m512i a, __m512i b) {
  int32_t d[16];
  int16_t wa[32], wb[32];
  memcpy(d, &src, 64);
  memcpy(wa, &a, 64);
  memcpy(wb, &b, 64);
  for (int j = 0; j < 16; j++) {
    uint32_t sum = (uint32_t)d[j] + (uint32_t)((int32_t)wa[2 * j] * wb[2 * j]) +
                   (uint32_t)((int32_t)wa[2 * j + 1] * wb[2 * j + 1]);
    d[j] = (int32_t)sum;
  }
  __m512i r;
  memcpy(&r, d, 64);
  return r;
}
static inline void _mm512_storeu_si512(void* p, __m512i a) { memcpy(p, &a, 64); }

// --- kernels_avx512_panel.cpp ---
static inline __m512 _mm512_loadu_ps(const void* p) {
  __m512 r;
  memcpy(&r, p, 64);
  return r;
}
static inline __m512 _mm512_set1_ps(float v) {
  __m512 r;
  for (int i = 0; i < 16; i++) r[i] = v;
  return r;
}
// vfmadd: a * b + c with one rounding, per lane
static inline __m512 _mm512_fmadd_ps(__m512 a, __m512 b, __m512 c) {
  __m512 r;
  for (int i = 0; i < 16; i++) r[i] = fmaf(a[i], b[i], c[i]);
  return r;
}
static inline __m512 _mm512_castsi512_ps(__m512i a) {
  __m512 r;
  memcpy(&r, &a, 64);
  return r;
}
// vpmovzxwd: 16 uint16 -> 16 uint32
static inline __m512i _mm512_cvtepu16_epi32(__m256i a) {
  uint16_t w[16];
  uint32_t d[16];
  memcpy(w, &a, 32);
  for (int i = 0; i < 16; i++) d[i] = w[i];
  __m512i r;
  memcpy(&r, d, 64);
  return r;
}
static inline __m512i _mm512_slli_epi32(__m512i a, unsigned int n) {
  uint32_t d[16];
  memcpy(d, &a, 64);
  for (int i = 0; i < 16; i++) d[i] = n > 31 ? 0 : d[i] << n;
  __m512i r;
  memcpy(&r, d, 64);
  return r;
}
// vcvtph2ps: 16 IEEE half -> float, exact (subnormal halves become normal floats)
static inline __m512 _mm512_cvtph_ps(__m256i a) {
  uint16_t h[16];
  memcpy(h, &a, 32);
  __m512 r;
  for (int i = 0; i < 16; i++) {
    const int sign = h[i] >> 15, e = (h[i] >> 10) & 31, f = h[i] & 1023;
    float v = e == 0 ? ldexpf((float)f, -24) : e == 31 ? (f ? NAN : INFINITY) : ldexpf((float)(f | 1024), e - 25);
    r[i] = sign ? -v : v;
  }
  return r;
}
// vpermps: dst[i] = a[idx.dword[i] & 15]
static inline __m512 _mm512_permutexvar_ps(__m512i idx, __m512 a) {
  int32_t ix[16];
  memcpy(ix, &idx, 64);
  __m512 r;
  for (int i = 0; i < 16; i++) r[i] = a[ix[i] & 15];
  return r;
}

#endif
