// Opt-in per-op timing of the C ABI (TN_PROFILE=1 in the environment): every outermost tn_* op
// adds its wall time, call count and the weight bytes it streamed to a slot keyed by (op, n, k),
// and the time between the end of one op and the start of the next (Java, JNI, scheduler) is
// summed apart.  The table goes to stderr at exit.  Off: one predictable branch per op.
#ifndef TN_PROFILE_H
#define TN_PROFILE_H
#include <stdint.h>

namespace tn {

bool prof_enabled();
int prof_begin(const char* op, int n, int k);  // slot; -2 nested (not timed); -1 not timed
void prof_end(int slot);

struct ProfScope {
  int slot = -1;
  ProfScope(const char* op, int n = 0, int k = 0) {
    if (prof_enabled()) slot = prof_begin(op, n, k);
  }
  ~ProfScope() {
    if (slot >= 0 || slot == -2) prof_end(slot);
  }
};

// Always on, unlike TN_PROFILE: the wall time of one tn_paged_attention call goes to the total that
// tn_attention_nanos reports (two clock reads per call; bench divides it by a step's time).
struct AttentionClock {
  uint64_t t0;
  AttentionClock();
  ~AttentionClock();
};

}  // namespace tn
#define TN_PROF(...) ::tn::ProfScope tn_prof_scope_(__VA_ARGS__)
#endif
