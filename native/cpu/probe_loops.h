// The loops behind two of bench's probes, written once over a vector type's traits: the read-bandwidth
// sum and the FMA peak. Each ISA file instantiates them with traits of its own registers
// (V::Reg, V::kLanes, zero, load, add, set1, fma, hsum), declared in that file's anonymous namespace,
// so every instantiation has internal linkage and none is shared between files built with
// different -m flags.
#pragma once

#include <stddef.h>

namespace tn {

// Four independent accumulators, so the loads, not the add latency, bound the loop.
template <class V>
float probe_sum(const float* x, size_t n) {
  constexpr size_t L = V::kLanes;
  typename V::Reg a0 = V::zero(), a1 = V::zero(), a2 = V::zero(), a3 = V::zero();
  size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    a0 = V::add(a0, V::load(x + i));
    a1 = V::add(a1, V::load(x + i + L));
    a2 = V::add(a2, V::load(x + i + 2 * L));
    a3 = V::add(a3, V::load(x + i + 3 * L));
  }
  float s = V::hsum(V::add(V::add(a0, a1), V::add(a2, a3)));
  for (; i < n; i++) s += x[i];
  return s;
}

// kChains independent FMA chains on registers only (enough to cover the FMA latency times the
// FMA pipes); returns the FLOPs done, 2 per lane per FMA.
template <class V, int kChains>
double probe_fma_peak(long iters) {
  typename V::Reg a[kChains];
  for (int j = 0; j < kChains; j++) a[j] = V::set1(1.f + 0.01f * j);
  const typename V::Reg b = V::set1(0.999999f), c = V::set1(1e-7f);
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 16
    for (int j = 0; j < kChains; j++) a[j] = V::fma(a[j], b, c);
  }
  typename V::Reg s = a[0];
  for (int j = 1; j < kChains; j++) s = V::add(s, a[j]);
  volatile float sink = V::hsum(s);
  (void)sink;
  return 2.0 * V::kLanes * kChains * (double)iters;
}

}  // namespace tn
