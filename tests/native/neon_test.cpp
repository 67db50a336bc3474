// The aarch64 kernels (native/cpu/kernels_neon*.cpp) against the plain references of the scalar
// table, on the CPU it runs on (an aarch64 host, or qemu-aarch64 with a chosen -cpu): every body
// of the NEON table that differs from the scalar one, for f32 / f16 / bf16 weights, over tile
// shapes with and without tails; the int8 row and the dot-product / i8mm bodies bit for bit; the
// bf16 dot-product panels against an f64 sum of the same bf16 products.  Float kernels differ
// from the references in summation order and FMA rounding only, so they must agree within
// kRelTol of the sum of the products' magnitudes.
// Usage: neon_test FEATURES, FEATURES the extensions the CPU must report through HWCAP, as
// "none" or a comma list of dot, bf16, i8mm: a CPU that reports other ones fails, so a run
// never passes by skipping the kernels it meant to check.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "kernels.h"
#include "tramontane_cpu.h"

namespace {

using tn::kNeonKernels;
using tn::kScalarKernels;

constexpr double kRelTol = 1e-5;
constexpr int kDtypes[] = {TN_F32, TN_F16, TN_BF16};
constexpr int32_t kSentinel = 0x5a5a5a5a;
long checks = 0;

uint64_t rng = 0x9e3779b97f4a7c15ull;
uint32_t next_u32() {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 32);
}
float uniform() { return (float)((double)next_u32() / 4294967296.0 * 2.0 - 1.0); }
int next_int(int lo, int hi) { return lo + (int)(next_u32() % (uint32_t)(hi - lo + 1)); }

// n weights of dtype d (raw bytes) and their f32 values.
std::vector<char> weights(int d, size_t n, std::vector<float>* values) {
  std::vector<char> w(n * tn::kDTypes[d].elem_bytes);
  values->resize(n);
  for (size_t i = 0; i < n; i++) {
    tn::store_elem(w.data(), d, i, uniform());
    (*values)[i] = tn::load_elem(w.data(), d, i);
  }
  return w;
}
std::vector<float> floats(size_t n) {
  std::vector<float> x(n);
  for (float& v : x) v = uniform();
  return x;
}

bool fail(const char* what, int d, int m, int rows, int k, size_t at, double got, double want) {
  printf("FAIL %s dtype=%s m=%d rows=%d k=%d at %zu: %.9g, want %.9g\n", what, tn::kDTypes[d].name, m, rows, k, at,
         got, want);
  return false;
}
// got within kRelTol * mag of want (mag: the sum of the product magnitudes behind want)
bool near(const char* what, int d, int m, int rows, int k, size_t at, float got, float want, double mag) {
  checks++;
  if (fabs((double)got - (double)want) <= kRelTol * mag + 1e-30) return true;
  return fail(what, d, m, rows, k, at, got, want);
}
double mag_dot(const float* x, const float* w, int k, size_t wstride = 1) {
  double s = 0;
  for (int i = 0; i < k; i++) s += fabs((double)x[i] * w[i * wstride]);
  return s;
}

bool check_dot_axpy(int d, int k) {
  std::vector<float> wv;
  const std::vector<char> w = weights(d, k, &wv);
  const std::vector<float> x = floats(k);
  if (!near("dot", d, 1, 1, k, 0, kNeonKernels.dot[d](x.data(), w.data(), k),
            kScalarKernels.dot[d](x.data(), w.data(), k), mag_dot(x.data(), wv.data(), k)))
    return false;
  std::vector<float> y0 = floats(k), y1 = y0;
  kNeonKernels.axpy[d](0.75f, w.data(), y0.data(), k);
  kScalarKernels.axpy[d](0.75f, w.data(), y1.data(), k);
  for (int i = 0; i < k; i++)
    if (!near("axpy", d, 1, 1, k, i, y0[i], y1[i], fabs(y1[i]) + fabs(0.75 * wv[i]))) return false;
  return true;
}

bool check_gemv(int d, int m, int rows, int k) {
  const size_t ldw = k + 3;
  const int ldx = k + 1, ldo = rows + 2;
  std::vector<float> wv;
  const std::vector<char> w = weights(d, rows * ldw, &wv);
  const std::vector<float> x = floats((size_t)m * ldx);
  std::vector<float> o0((size_t)m * ldo, -7.f), o1 = o0;
  kNeonKernels.gemv[d](x.data(), ldx, m, w.data(), ldw, rows, k, o0.data(), ldo);
  kScalarKernels.gemv[d](x.data(), ldx, m, w.data(), ldw, rows, k, o1.data(), ldo);
  for (int t = 0; t < m; t++)
    for (int r = 0; r < ldo; r++) {
      const size_t at = (size_t)t * ldo + r;
      const double mag = r < rows ? mag_dot(&x[(size_t)t * ldx], &wv[r * ldw], k) : 0;
      if (!near("gemv", d, m, rows, k, at, o0[at], o1[at], mag)) return false;
    }
  return true;
}

bool check_panel(int d, int m, int k, int np) {
  const int n = np * tn::kPanelRows, ldx = k + 2, ldo = n + 5;
  std::vector<float> wv;
  std::vector<char> w = weights(d, (size_t)n * k, &wv);
  if (tn_pack_panels(w.data(), d, 1, n, k) != TN_OK) return fail("pack", d, m, n, k, 0, 0, 0);
  const std::vector<float> x = floats((size_t)m * ldx);
  std::vector<float> o0((size_t)m * ldo, -7.f), o1 = o0;
  kNeonKernels.panel[d](x.data(), ldx, m, w.data(), k, np, o0.data(), ldo);
  kScalarKernels.panel[d](x.data(), ldx, m, w.data(), k, np, o1.data(), ldo);
  for (int t = 0; t < m; t++)
    for (int r = 0; r < ldo; r++) {
      const size_t at = (size_t)t * ldo + r;
      const double mag = r < n ? mag_dot(&x[(size_t)t * ldx], &wv[(size_t)r * k], k) : 0;
      if (!near("panel", d, m, n, k, at, o0[at], o1[at], mag)) return false;
    }
  return true;
}

bool check_sum(size_t n) {
  const std::vector<float> x = floats(n);
  return near("sum", TN_F32, 1, 1, (int)n, 0, kNeonKernels.sum(x.data(), n), kScalarKernels.sum(x.data(), n),
              mag_dot(x.data(), std::vector<float>(n, 1.f).data(), (int)n));
}

// The bf16 dot-product panels: bf16 weights in the panel layout times activations packed as bf16
// pairs, against the f64 sum of the same bf16 products.
bool check_bf16dp(int m, int k, int np) {
  const int n = np * tn::kPanelRows, kp = (k + 1) / 2, ldxb = kp + 1, ldo = n + 3;
  std::vector<float> wv;
  std::vector<char> w = weights(TN_BF16, (size_t)n * k, &wv);
  if (tn_pack_panels(w.data(), TN_BF16, 1, n, k) != TN_OK) return fail("pack", TN_BF16, m, n, k, 0, 0, 0);
  std::vector<uint32_t> xb((size_t)m * ldxb, 0);
  std::vector<float> xv((size_t)m * k);
  for (int t = 0; t < m; t++)
    for (int i = 0; i < k; i++) {
      const uint16_t h = tn::f32_to_bf16(uniform());
      xv[(size_t)t * k + i] = tn::bf16_to_f32(h);
      xb[(size_t)t * ldxb + i / 2] |= (uint32_t)h << (16 * (i & 1));
    }
  std::vector<float> out((size_t)m * ldo, -7.f);
  tn::panel_bf16dp_neon(xb.data(), ldxb, m, w.data(), k, np, out.data(), ldo);
  for (int t = 0; t < m; t++)
    for (int r = 0; r < ldo; r++) {
      const size_t at = (size_t)t * ldo + r;
      double want = -7.0, mag = 0;
      if (r < n) {
        want = 0;
        for (int i = 0; i < k; i++) want += (double)xv[(size_t)t * k + i] * wv[(size_t)r * k + i];
        mag = mag_dot(&xv[(size_t)t * k], &wv[(size_t)r * k], k);
      }
      if (!near("panel_bf16dp", TN_BF16, m, n, k, at, out[at], (float)want, mag)) return false;
    }
  return true;
}

bool exact(const char* what, int m, int rows, int k, const std::vector<int32_t>& got, const std::vector<int32_t>& want) {
  for (size_t i = 0; i < got.size(); i++) {
    checks++;
    if (got[i] != want[i]) return fail(what, TN_I8, m, rows, k, i, got[i], want[i]);
  }
  return true;
}

// Each int8 row-major body against the scalar row's, full-range int8 operands.
typedef void (*DotRowsFn)(const int8_t* const*, int, const int8_t*, size_t, int, int, int32_t*, size_t);
bool check_i8_rows(const char* what, DotRowsFn f, int m, int rows, int k) {
  const size_t ldw = k + 5, ldo = rows + 2;
  std::vector<int8_t> w(rows * ldw);
  for (int8_t& v : w) v = (int8_t)next_int(-128, 127);
  std::vector<std::vector<int8_t>> x(m, std::vector<int8_t>(k));
  std::vector<const int8_t*> xr(m);
  for (int t = 0; t < m; t++) {
    for (int8_t& v : x[t]) v = (int8_t)next_int(-127, 127);
    xr[t] = x[t].data();
  }
  std::vector<int32_t> o0(m * ldo, kSentinel), o1 = o0;
  f(xr.data(), m, w.data(), ldw, rows, k, o0.data(), ldo);
  tn::kScalarI8Kernels.dot_i8_rows(xr.data(), m, w.data(), ldw, rows, k, o1.data(), ldo);
  return exact(what, m, rows, k, o0, o1);
}

bool check_i8_dots(int k) {
  std::vector<int8_t> a(k), b(k);
  std::vector<float> x = floats(k), wf(k);
  for (int i = 0; i < k; i++) {
    a[i] = (int8_t)next_int(-128, 127);
    b[i] = (int8_t)next_int(-128, 127);
    wf[i] = a[i];
  }
  const int32_t want = tn::kScalarI8Kernels.dot_i8(a.data(), b.data(), k);
  if (!exact("dot_i8", 1, 1, k, {tn::dot_i8_neon(a.data(), b.data(), k)}, {want})) return false;
  if (tn::has_neon_dot() && !exact("dot_i8_neon_dot", 1, 1, k, {tn::dot_i8_neon_dot(a.data(), b.data(), k)}, {want}))
    return false;
  return near("dot_f32_i8", TN_I8, 1, 1, k, 0, tn::kNeonI8Kernels.dot_f32_i8(x.data(), a.data(), k),
              tn::kScalarI8Kernels.dot_f32_i8(x.data(), a.data(), k), mag_dot(x.data(), wf.data(), k));
}

bool check_panel_i8(int m, int k, int np) {
  const int n = np * 16, ldo = n + 3;
  std::vector<int8_t> w((size_t)n * k);
  for (int8_t& v : w) v = (int8_t)next_int(-128, 127);
  if (tn_pack_panels(w.data(), TN_I8, 1, n, k) != TN_OK) return fail("pack", TN_I8, m, n, k, 0, 0, 0);
  std::vector<std::vector<int16_t>> x(m, std::vector<int16_t>(k));
  std::vector<const int16_t*> xr(m);
  for (int t = 0; t < m; t++) {
    for (int16_t& v : x[t]) v = (int16_t)next_int(-127, 127);
    xr[t] = x[t].data();
  }
  std::vector<int32_t> o0((size_t)m * ldo, kSentinel), o1 = o0;
  tn::kNeonI8Kernels.panel_i8(xr.data(), m, w.data(), k, np, o0.data(), ldo);
  tn::kScalarI8Kernels.panel_i8(xr.data(), m, w.data(), k, np, o1.data(), ldo);
  return exact("panel_i8", m, n, k, o0, o1);
}

// The features HWCAP reports, as the command line names them.
std::string reported() {
  std::string s;
  if (tn::has_neon_dot()) s += ",dot";
  if (tn::has_neon_bf16()) s += ",bf16";
  if (tn::has_neon_i8mm()) s += ",i8mm";
  return s.empty() ? "none" : s.substr(1);
}

// The dispatch: the NEON level detected, only this architecture's levels accepted, the int8 row
// on the best dot product the CPU has.
bool check_dispatch() {
  checks++;
  if (tn_isa_supported() != TN_ISA_NEON || tn_set_isa(TN_ISA_AVX2) != TN_E_ARG || tn_set_isa(TN_ISA_AVX512) != TN_E_ARG ||
      tn_set_isa(TN_ISA_SCALAR) != TN_ISA_SCALAR || &tn::kernels() != &kScalarKernels ||
      tn_set_isa(TN_ISA_NEON) != TN_ISA_NEON || &tn::kernels() != &kNeonKernels) {
    printf("FAIL dispatch: supported %d\n", tn_isa_supported());
    return false;
  }
  const DotRowsFn rows = tn::has_neon_i8mm() ? tn::dot_i8_rows_neon_i8mm
                         : tn::has_neon_dot() ? tn::dot_i8_rows_neon_dot
                                              : tn::dot_i8_rows_neon;
  if (tn::kNeonI8Kernels.dot_i8_rows != rows || (tn::has_bf16_dot() != tn::has_neon_bf16())) {
    printf("FAIL dispatch: the int8 row or the bf16 dot-product check does not follow HWCAP\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: neon_test none|dot,bf16,i8mm (the features the CPU must report)\n");
    return 2;
  }
  if (reported() != argv[1]) {
    printf("FAIL: the CPU reports %s, the run expects %s\n", reported().c_str(), argv[1]);
    return 1;
  }
  bool ok = check_dispatch();
  for (int d : kDtypes) {
    for (int k : {1, 3, 4, 15, 16, 17, 64, 100, 1001}) ok = ok && check_dot_axpy(d, k);
    for (int m = 1; m <= 4; m++)
      for (int rows = 1; rows <= 4; rows++)
        for (int k : {1, 5, 8, 67}) ok = ok && check_gemv(d, m, rows, k);
    for (int m : {1, 2, 3, 4, 5, 6, 7, 8, 11, 13, 19})
      for (int k : {1, 2, 7, 64, 129})
        for (int np : {1, 2, 3}) ok = ok && check_panel(d, m, k, np);
  }
  for (size_t n : {1, 15, 16, 17, 1000}) ok = ok && check_sum(n);
  for (int k : {1, 15, 16, 17, 31, 32, 33, 100, 1000}) ok = ok && check_i8_dots(k);
  for (int m = 1; m <= 6; m++)
    for (int rows = 1; rows <= 5; rows++)
      for (int k : {1, 7, 8, 9, 16, 33, 130}) {
        ok = ok && check_i8_rows("dot_i8_rows_neon", tn::dot_i8_rows_neon, m, rows, k);
        if (tn::has_neon_dot()) ok = ok && check_i8_rows("dot_i8_rows_neon_dot", tn::dot_i8_rows_neon_dot, m, rows, k);
        if (tn::has_neon_i8mm())
          ok = ok && check_i8_rows("dot_i8_rows_neon_i8mm", tn::dot_i8_rows_neon_i8mm, m, rows, k);
      }
  for (int m : {1, 2, 3, 4, 5, 8, 9, 13})
    for (int k : {2, 4, 16, 34, 130})
      for (int np : {1, 2, 3}) ok = ok && check_panel_i8(m, k, np);
  if (tn::has_neon_bf16())
    for (int m : {1, 2, 3, 4, 5, 6, 7, 8, 11, 13})
      for (int k : {1, 2, 3, 8, 63, 64, 129})
        for (int np : {1, 2, 3}) ok = ok && check_bf16dp(m, k, np);
  if (!ok) return 1;
  printf("neon_test (%s): %ld checks passed\n", reported().c_str(), checks);
  return 0;
}
