#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chrono>
#include <mutex>

#include "tramontane_cpu.h"

namespace tn {
namespace {

struct Slot {
  const char* op;
  int n, k;
  uint64_t calls, ns, bytes, gap_ns;
};
constexpr int kSlots = 64;
Slot g_slots[kSlots];
int g_used = 0;
std::mutex g_mu;
uint64_t g_gap_ns = 0, g_gaps = 0, g_last_end = 0;
thread_local int t_depth = 0;
thread_local uint64_t t_t0 = 0, t_b0 = 0;

uint64_t now_ns() {
  return (uint64_t)std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

void dump() {
  std::lock_guard<std::mutex> lk(g_mu);
  uint64_t total = 0;
  for (int i = 0; i < g_used; i++) total += g_slots[i].ns;
  fprintf(stderr, "TN_PROFILE  op (n x k): calls, total ms, us/call, weight GB/s, us/call before the op outside native\n");
  for (int i = 0; i < g_used; i++) {
    const Slot& s = g_slots[i];
    fprintf(stderr, "TN_PROFILE  %-18s %6d x %-6d %9llu %10.1f %9.1f %7.1f %7.1f\n", s.op, s.n, s.k,
            (unsigned long long)s.calls, s.ns / 1e6, s.calls ? s.ns / 1e3 / s.calls : 0.0,
            s.ns ? s.bytes / (double)s.ns : 0.0, s.calls ? s.gap_ns / 1e3 / s.calls : 0.0);
  }
  fprintf(stderr, "TN_PROFILE  native total %.1f ms; between ops (gaps < 10 ms) %.1f ms over %llu gaps\n", total / 1e6,
          g_gap_ns / 1e6, (unsigned long long)g_gaps);
}

}  // namespace

bool prof_enabled() {
  static const bool on = [] {
    const char* s = getenv("TN_PROFILE");
    bool v = s && *s && strcmp(s, "0") != 0;
    if (v) atexit(dump);
    return v;
  }();
  return on;
}

int prof_begin(const char* op, int n, int k) {
  if (t_depth++ > 0) return -2;  // nested in a timed op
  std::lock_guard<std::mutex> lk(g_mu);
  int slot = -1;
  for (int i = 0; i < g_used; i++)
    if (g_slots[i].op == op && g_slots[i].n == n && g_slots[i].k == k) slot = i;
  if (slot < 0 && g_used < kSlots) {
    slot = g_used++;
    g_slots[slot] = {op, n, k, 0, 0, 0, 0};
  }
  t_t0 = now_ns();
  t_b0 = tn_weight_bytes_read();
  if (g_last_end && t_t0 - g_last_end < 10000000ull) {
    g_gap_ns += t_t0 - g_last_end;
    g_gaps++;
    if (slot >= 0) g_slots[slot].gap_ns += t_t0 - g_last_end;
  }
  if (slot < 0) t_depth--;  // table full: not timed
  return slot;
}

void prof_end(int slot) {
  uint64_t t1 = now_ns();
  t_depth--;
  if (slot < 0) return;
  std::lock_guard<std::mutex> lk(g_mu);
  Slot& s = g_slots[slot];
  s.calls++;
  s.ns += t1 - t_t0;
  s.bytes += tn_weight_bytes_read() - t_b0;
  g_last_end = now_ns();
}

}  // namespace tn
